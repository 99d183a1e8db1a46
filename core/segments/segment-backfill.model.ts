import { Schema, model } from 'mongoose';

/**
 * The progress of a segment's latest backfill (`_id`: the segment id), written by the backfill
 * itself as it goes, so GET /segments/:id shows it live and after the workflow is gone. A run
 * writes only while its `version` and `runKey` are the stored ones: a superseded run stops writing.
 */
const segmentBackfillSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    version: { type: Number, required: true },
    runKey: { type: String, default: null },
    workflowId: { type: String, required: true },
    status: { type: String, required: true },
    processed: { type: Number, required: true },
    total: { type: Number, default: null },
    qualified: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'segment_backfills' },
);

/** `not_started`: Temporal could not be reached when the rules changed (POST /segments/:id/backfill starts it). */
export type SegmentBackfillStatus = 'not_started' | 'running' | 'completed' | 'superseded';

export interface SegmentBackfillDoc {
  _id: string;
  workspaceId: string;
  version: number;
  /** The run writing it (its first run id); null until one starts. */
  runKey: string | null;
  workflowId: string;
  status: SegmentBackfillStatus;
  processed: number;
  /** Null until counted (alongside the first slice); subjects arriving meanwhile are evaluated too, so `processed` may end above it. */
  total: number | null;
  /** Members found so far. */
  qualified: number;
  startedAt: Date;
  finishedAt: Date | null;
}
export const SegmentBackfillModel = model('SegmentBackfill', segmentBackfillSchema);
