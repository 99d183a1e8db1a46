import { PartitionLeaseModel, type PartitionLeaseDoc } from './partition-lease.model';

/** Partition leases: every read and write by `_id`, one writer at a time in practice. */
export const partitionLeaseRepository = {
  /** Takes the partition for `owner`; returns the lease as it was (null when never taken). */
  async take(partition: string, owner: string): Promise<PartitionLeaseDoc | null> {
    const previous = await PartitionLeaseModel.findById(partition).lean<PartitionLeaseDoc>();
    await PartitionLeaseModel.collection.replaceOne({ _id: partition as never }, { owner, touchedAt: new Date() }, { upsert: true });
    return previous;
  },

  async holds(partition: string, owner: string): Promise<boolean> {
    return (await PartitionLeaseModel.findById(partition).lean<PartitionLeaseDoc>())?.owner === owner;
  },

  async touch(partition: string, owner: string): Promise<void> {
    await PartitionLeaseModel.collection.updateOne({ _id: partition as never, owner }, { $set: { touchedAt: new Date() } });
  },

  /** A run that ends normally lets its successor start at once. */
  async release(partition: string, owner: string): Promise<void> {
    await PartitionLeaseModel.collection.updateOne({ _id: partition as never, owner }, { $set: { owner: null, touchedAt: new Date() } });
  },
};
