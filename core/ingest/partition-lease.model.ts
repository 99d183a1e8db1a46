import { Schema, model } from 'mongoose';

/**
 * Which activity run applies a partition now (`_id`: the partition's workflow id). A run takes it
 * when it starts and checks it before each batch, so a run Temporal has replaced (its worker
 * stalled past the heartbeat timeout, or its workflow was terminated) stops at its next batch
 * instead of writing alongside its successor.
 */
const partitionLeaseSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, default: null },
    touchedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'ingest_partition_leases' },
);

export interface PartitionLeaseDoc {
  _id: string;
  /** The run holding it (`<runId>:<activityId>:<attempt>`); null once released. */
  owner: string | null;
  /** When its owner last took, used or released it. */
  touchedAt: Date;
}
export const PartitionLeaseModel = model('IngestPartitionLease', partitionLeaseSchema);
