import mongoose from 'mongoose';
import { RATE_LIMIT_COLLECTION } from '../core/platform/rate-limit-store';

/** Rate-limit counters whose window has passed (real MongoDB's TTL index does this too; FerretDB needs us). */
export async function deleteExpiredRateLimitCounters(): Promise<number> {
  const db = mongoose.connection.db;
  if (!db) return 0;
  return (await db.collection(RATE_LIMIT_COLLECTION).deleteMany({ expire: { $lt: new Date() } })).deletedCount;
}
