import mongoose from 'mongoose';
import { allModels } from './all-models';
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
