import { Schema, model } from 'mongoose';
import type { SegmentEntity } from './segment.model';

/**
 * A segment's current members, one row each (`_id`: `<segment>_<member>`), so a segment's
 * members page by when they joined. Written with the member's standing
 * (segment-standing.model.ts), before it: a retry after a crash in between redoes both.
 */
const segmentMemberSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    segmentId: { type: String, required: true },
    entity: { type: String, required: true },
    /** A visitor id (person segments) or a company id (company segments). */
    memberId: { type: String, required: true },
    since: { type: Date, required: true },
  },
  { versionKey: false, collection: 'segment_members' },
);

segmentMemberSchema.index({ segmentId: 1, since: -1, _id: -1 }); // a segment's members, newest first

export interface SegmentMemberDoc {
  _id: string;
  workspaceId: string;
  segmentId: string;
  entity: SegmentEntity;
  memberId: string;
  since: Date;
}
export const SegmentMemberModel = model('SegmentMember', segmentMemberSchema);
