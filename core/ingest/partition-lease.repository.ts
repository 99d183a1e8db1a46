import { PartitionLeaseModel, type PartitionLeaseDoc } from './partition-lease.model';

/** Partition leases: every read and write by `_id`, one writer at a time in practice. */
export const partitionLeaseRepository = {
  /** Takes the partition for `owner`; returns the lease as it was (null when never taken). */
  async take(partition: string, owner: string): Promise<PartitionLeaseDoc | null> {
    const previous = await PartitionLeaseModel.findById(partition).lean<PartitionLeaseDoc>();
    await PartitionLeaseModel.collection.replaceOne({ _id: partition as never }, { owner, touchedAt: new Date() }, { upsert: true });
    return previous;
  },

  /** Marks the lease used if `owner` still holds it (one round trip); false when a newer run took it. */
  async touchIfHeld(partition: string, owner: string): Promise<boolean> {
    const result = await PartitionLeaseModel.collection.updateOne({ _id: partition as never, owner }, { $set: { touchedAt: new Date() } });
    return result.matchedCount === 1;
  },

  /** A run that ends normally lets its successor start at once. */
  async release(partition: string, owner: string): Promise<void> {
    await PartitionLeaseModel.collection.updateOne({ _id: partition as never, owner }, { $set: { owner: null, touchedAt: new Date() } });
  },
};
