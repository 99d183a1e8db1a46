import mongoose from 'mongoose';
import { allModels } from './all-models';
import { DeliveryModel, retiredDeliveryIndexes } from '../webhooks/delivery.model';
import { installSqliteBusyRetry } from './sqlite-busy-retry';

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
  // Every model's declared indexes (TTL indexes are never declared: FerretDB lacks them).
  await Promise.all(allModels.map((m) => m.createIndexes()));
  await dropRetiredIndexes();
  const info = await conn.connection.db?.admin().command({ buildInfo: 1 }).catch(() => ({}));
  ferretDb = JSON.stringify(info ?? {}).toLowerCase().includes('ferretdb');
  return conn;
}

/** Drops indexes a model no longer declares where they would get in the way; one already gone is fine. */
export async function dropRetiredIndexes(): Promise<void> {
  await Promise.all(retiredDeliveryIndexes.map((name) => DeliveryModel.collection.dropIndex(name).catch(() => undefined)));
}

let ferretDb = false;

/**
 * Whether the database is FerretDB (from buildInfo), where batch code uses one-document commands
 * in parallel instead of multi-document ones: FerretDB v1.24 on SQLite reads the whole collection
 * for `{ _id: { $in: [...] } }` (it pushes down only `_id` equality), and a multi-statement
 * `update` (bulkWrite of replaceOnes) keeps one SQLite connection per statement open until the
 * command ends, so a few concurrent ones exhaust its pool of 100 and every command waits forever
 * (seen in the ingest benchmark: 100 open rows, 42 of them from one bulkWrite).
 */
export function databaseIsFerretDb(): boolean {
  return ferretDb;
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
