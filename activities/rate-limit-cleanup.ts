import mongoose from 'mongoose';

/** Rate-limit counters whose window has passed (real MongoDB's TTL index does this too; FerretDB needs us). */
export const RateLimitRecordsCleaner = {
  async deleteExpired(): Promise<number> {
    const db = mongoose.connection.db;
    if (!db) return 0;
    return (await db.collection('rate_limits').deleteMany({ expire: { $lt: new Date() } })).deletedCount;
  },
};
