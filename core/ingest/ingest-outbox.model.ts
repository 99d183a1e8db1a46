import { Schema, model } from 'mongoose';
import type { VisitorEvent } from '../visitors/visitor-types';

/**
 * Accepted events not yet applied to their visitor. The API's 202 means "written here"; the
 * visitor pipeline deletes the entry once applied, so the collection stays small and the sweep
 * (a full read on FerretDB) stays cheap. Anything older than OUTBOX_SWEEP_AFTER is re-dispatched.
 */
const ingestOutboxSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'ingest_outbox', minimize: false },
);

ingestOutboxSchema.index({ receivedAt: 1 });

export interface IngestOutboxDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  event: VisitorEvent;
  receivedAt: Date;
}
export const IngestOutboxModel = model('IngestOutbox', ingestOutboxSchema);
