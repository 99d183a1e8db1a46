import mongoose from 'mongoose';
import { ApiKeyModel } from '../workspaces/api-key.model';
import { DeliveryModel } from '../webhooks/delivery.model';
import { EventModel } from '../events/event.model';
import { WebhookSubscriptionModel } from '../webhooks/webhook-subscription.model';
import { WorkspaceModel } from '../workspaces/workspace.model';
import { installSqliteBusyRetry } from './sqlite-busy-retry';

/** Models whose indexes are created at start-up (TTL indexes are never used: FerretDB lacks them). */
const models = [WorkspaceModel, ApiKeyModel, WebhookSubscriptionModel, EventModel, DeliveryModel];

export async function connectDatabase(uri: string, maxPoolSize = 10): Promise<typeof mongoose> {
  installSqliteBusyRetry();
  mongoose.set('strictQuery', true);
  const conn = await mongoose.connect(uri, {
    autoIndex: false,
    maxPoolSize,
    serverSelectionTimeoutMS: 5000,
    // Keep reads and writes on one node of a replica set; ids and cursors assume it.
    retryWrites: true,
  });
  await Promise.all(models.map((m) => m.createIndexes()));
  return conn;
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}

/** True when the database answers a ping within the timeout. */
export async function isDatabaseReachable(timeoutMs = 1000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  const ping = db.admin().command({ ping: 1 }).then(() => true, () => false);
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
  return Promise.race([ping, timeout]);
}
