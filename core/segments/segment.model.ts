import { Schema, model } from 'mongoose';
import type { SegmentRules } from './segment-rules';

/** A workspace's segment (Salespanel's): rules that qualify people or companies. */
const segmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    name: { type: String, required: true },
    entity: { type: String, required: true },
    rules: { type: Schema.Types.Mixed, required: true },
    /** Whether members a backfill finds are announced by webhook like those qualifying as they act. */
    emitOnBackfill: { type: Boolean, default: false },
    /** Counts rule edits: membership and backfills record the version they evaluated. */
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'segments', minimize: false },
);

segmentSchema.index({ workspaceId: 1, createdAt: -1 });

export type SegmentEntity = 'person' | 'company';

export interface SegmentDoc {
  _id: string;
  workspaceId: string;
  name: string;
  entity: SegmentEntity;
  rules: SegmentRules;
  emitOnBackfill: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export const SegmentModel = model('Segment', segmentSchema);
