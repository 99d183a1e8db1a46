import { Schema, model } from 'mongoose';

/**
 * A person's standing in each segment evaluated for them (`_id`: the visitor id). Written only by
 * the person's own pipeline; `changes` counts transitions, so the id of each qualified /
 * disqualified event derives from it and a retried evaluation emits nothing twice.
 */
const personSegmentsSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    segments: { type: [Schema.Types.Mixed], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'person_segments', minimize: false },
);

personSegmentsSchema.index({ 'segments.id': 1 }); // a segment's members (MongoDB)

export interface PersonSegmentStanding {
  id: string;
  member: boolean;
  /** Since when the person is (or stopped being) a member. */
  since: Date;
  changes: number;
}

export interface PersonSegmentsDoc {
  _id: string;
  workspaceId: string;
  segments: PersonSegmentStanding[];
  updatedAt: Date;
}
export const PersonSegmentsModel = model('PersonSegments', personSegmentsSchema);
