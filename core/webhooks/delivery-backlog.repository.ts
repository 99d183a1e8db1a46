import { BacklogModel, type BacklogDoc } from './delivery-backlog.model';

export const deliveryBacklogRepository = {
  /** Written before the delivery's stage says `waiting`, so a waiting delivery always has its row; a row already there is kept. */
  async add(entries: Array<{ deliveryId: string; subscriptionId: string; since: Date }>): Promise<void> {
    if (entries.length === 0) return;
    try {
      await BacklogModel.collection.insertMany(entries.map((e) => ({ _id: e.deliveryId, subscriptionId: e.subscriptionId, since: e.since })) as never[], { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ code: number }> | { code: number } }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
    }
  },

  /** The endpoint's oldest waiting delivery ids. */
  async oldest(subscriptionId: string, limit: number): Promise<string[]> {
    const rows = await BacklogModel.find({ subscriptionId }).sort({ since: 1, _id: 1 }).limit(limit).select({ _id: 1 }).lean<Array<Pick<BacklogDoc, '_id'>>>();
    return rows.map((r) => r._id);
  },

  async remove(ids: string[]): Promise<void> {
    if (ids.length) await BacklogModel.deleteMany({ _id: { $in: ids } });
  },

  async removeForSubscription(subscriptionId: string): Promise<void> {
    await BacklogModel.deleteMany({ subscriptionId });
  },

  async count(subscriptionId: string): Promise<number> {
    return BacklogModel.countDocuments({ subscriptionId });
  },
};
