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
  const info = await conn.connection.db?.admin().command({ buildInfo: 1 }).catch(() => ({}));
  answersInById = !JSON.stringify(info ?? {}).toLowerCase().includes('ferretdb');
  return conn;
}

let answersInById = true;

/**
 * Whether `{ _id: { $in: [...] } }` is served from the `_id` index. True on MongoDB; FerretDB
 * v1.24 on SQLite reads the whole collection for it (it pushes down only `_id` equality), so
 * batch code looks documents up one `_id` at a time there, in parallel.
 */
export function databaseAnswersInById(): boolean {
  return answersInById;
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
