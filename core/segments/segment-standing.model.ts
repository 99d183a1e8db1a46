import { Schema, model } from 'mongoose';
import type { SegmentEntity } from './segment.model';

/**
 * Where one person (`_id`: the visitor id) or company (`_id`: the company id) stands in each
 * segment evaluated for them, keyed by segment id. Writers set only the entries of the segments
 * they evaluated (`$set: {'standings.<segment>': …}`): the person's pipeline sets every person
 * segment, a backfill only its own, so the two never undo each other. `changes` counts
 * transitions: each qualified / disqualified event's id derives from it, so a retried evaluation,
 * or a backfill and a pipeline seeing the same transition, emit it once.
 */
const segmentStandingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    entity: { type: String, required: true },
    standings: { type: Schema.Types.Mixed, default: {} },
    /** Anonymous visitors only (no workflow times them): when the earliest membership ends, for the minute sweep. */
    expiresAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'segment_standings', minimize: false },
);

segmentStandingsSchema.index({ expiresAt: 1 }); // the minute sweep (MongoDB)

export interface SegmentStanding {
  member: boolean;
  /** Since when the subject is (or stopped being) a member. */
  since: Date;
  changes: number;
}

export interface SegmentStandingsDoc {
  _id: string;
  workspaceId: string;
  entity: SegmentEntity;
  standings: Record<string, SegmentStanding>;
  expiresAt?: Date | null;
  updatedAt: Date;
}
export const SegmentStandingsModel = model('SegmentStandings', segmentStandingsSchema);
