import { Schema, model } from 'mongoose';

/**
 * The processed-event log: one entry per applied event (also what makes a repeated messageId a
 * duplicate for as long as it is kept, RETENTION_MAX_AGE ≥ 24 h). Holds timings, not payloads.
 */
const ingestEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    type: { type: String, required: true },
    messageId: { type: String, default: null },
    receivedAt: { type: Date, required: true },
    /** When the visitor document reflected the event (the ingest → visitor lag ends here). */
    appliedAt: { type: Date, required: true },
    /** The visitor it was finally applied to (differs from visitorId after a merge). */
    appliedTo: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'ingest_events', minimize: false },
);

ingestEventSchema.index({ createdAt: 1 });

export interface IngestEventDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  type: string;
  messageId: string | null;
  receivedAt: Date;
  appliedAt: Date;
  appliedTo: string;
  createdAt: Date;
}
export const IngestEventModel = model('IngestEvent', ingestEventSchema);
