import { insertManyOnce } from '../platform/insert-once';
import { BacklogModel, type BacklogDoc } from './delivery-backlog.model';

export const deliveryBacklogRepository = {
  /** Written before the delivery's stage says `waiting`, so a waiting delivery always has its row; a row already there is kept. */
  async add(entries: Array<{ deliveryId: string; subscriptionId: string; since: Date }>): Promise<void> {
    await insertManyOnce(BacklogModel, entries.map((e) => ({ _id: e.deliveryId, subscriptionId: e.subscriptionId, since: e.since })));
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
