import { Schema, model } from 'mongoose';
import type { VisitorEvent } from '../visitors/visitor-types';

/**
 * Accepted events not yet applied to their visitor. The API's 202 means "written here"; the
 * pipeline deletes the entry once applied, so the collection stays small and a poll or the sweep
 * (a full read on FerretDB) stays cheap. With INGEST_PIPELINE=partitions this is also the
 * hand-over: each partition's activity polls the rows whose `route` maps to it, in `seq` order,
 * so an event costs Temporal nothing. With `visitors`, rows older than OUTBOX_SWEEP_AFTER are
 * re-dispatched to their visitor's workflow.
 */
const ingestOutboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    receivedAt: { type: Date, required: true },
    /** Stable hash of (workspace, visitor): the partition is `route % INGEST_PARTITIONS`. */
    route: { type: Number, required: true },
    /** Hand-over order: increasing within a process, ordered by time across processes. */
    seq: { type: Number, required: true },
    /** Events to apply before this one: a merge instruction handed on with the merged visitor's events. */
    before: { type: [Schema.Types.Mixed], default: undefined },
  },
  { versionKey: false, collection: 'ingest_outbox', minimize: false },
);

ingestOutboxSchema.index({ receivedAt: 1 }); // the sweep, oldest first
ingestOutboxSchema.index({ seq: 1 }); // a partition's poll: in order, filtered by route

export interface IngestOutboxDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  event: VisitorEvent;
  receivedAt: Date;
  /** Missing on rows written before partitions polled the outbox (the sweep fills it in). */
  route?: number;
  seq?: number;
  before?: VisitorEvent[];
}
export const IngestOutboxModel = model('IngestOutbox', ingestOutboxSchema);
