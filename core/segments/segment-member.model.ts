import { Schema, model } from 'mongoose';

/**
 * A segment's current members, one row each (`_id`: `<segment>_<visitor>`), so a segment's
 * members page by when they joined. Added and removed with the person's standing
 * (person-segments.model.ts), by the person's own pipeline.
 */
const segmentMemberSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    segmentId: { type: String, required: true },
    visitorId: { type: String, required: true },
    since: { type: Date, required: true },
  },
  { versionKey: false, collection: 'segment_members' },
);

segmentMemberSchema.index({ segmentId: 1, since: -1, _id: -1 }); // a segment's members, newest first

export interface SegmentMemberDoc {
  _id: string;
  workspaceId: string;
  segmentId: string;
  visitorId: string;
  since: Date;
}
export const SegmentMemberModel = model('SegmentMember', segmentMemberSchema);
