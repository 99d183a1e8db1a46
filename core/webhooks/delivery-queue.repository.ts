import { insertManyOnce } from '../platform/insert-once';
import { QueuedDeliveryModel, type QueuedDeliveryDoc } from './delivery-queue.model';
import { dispatchPartitionOf, type DeliveryRef } from './delivery-ref';

export const deliveryQueueRepository = {
  /** One unordered insert; a delivery already queued (a repeated fan-out) is skipped. */
  async enqueue(refs: DeliveryRef[], partitions: number): Promise<void> {
    if (refs.length === 0) return;
    const rows = refs.map((r) => ({ _id: r.deliveryId, partition: dispatchPartitionOf(r.subscriptionId, partitions), workspaceId: r.workspaceId, subscriptionId: r.subscriptionId, eventId: r.eventId, eventType: r.eventType, series: r.series, attemptNumber: r.attemptNumber, queuedAt: new Date(r.queuedAt) }));
    await insertManyOnce(QueuedDeliveryModel, rows);
  },

  /** The partition's oldest queued deliveries, leaving out those of the given subscriptions (they have a batch in flight). */
  async next(partition: number, limit: number, exceptSubscriptions: string[] = []): Promise<DeliveryRef[]> {
    const filter = exceptSubscriptions.length ? { partition, subscriptionId: { $nin: exceptSubscriptions } } : { partition };
    const rows = await QueuedDeliveryModel.find(filter).sort({ queuedAt: 1, _id: 1 }).limit(limit).lean<QueuedDeliveryDoc[]>();
    return rows.map((row) => ({
      deliveryId: row._id,
      workspaceId: row.workspaceId,
      subscriptionId: row.subscriptionId,
      eventId: row.eventId,
      eventType: row.eventType,
      series: row.series,
      attemptNumber: row.attemptNumber,
      queuedAt: row.queuedAt.getTime(),
    }));
  },

  /** Once their attempts are recorded. The table is small, so `$in` is one cheap statement on FerretDB too. */
  async remove(ids: string[]): Promise<void> {
    if (ids.length) await QueuedDeliveryModel.deleteMany({ _id: { $in: ids } });
  },

  async countForSubscription(subscriptionId: string): Promise<number> {
    return QueuedDeliveryModel.countDocuments({ subscriptionId });
  },
};
