import { Schema, model } from 'mongoose';
import type { Activity } from './visitor-types';

export const ACTIVITY_BUCKET_SIZE = 50;

/**
 * A visitor's timeline in fixed-size buckets (`<visitorId>~<n>`): appending and reading are
 * lookups by `_id`, which every Mongo-wire database serves from an index.
 */
const bucketSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    items: { type: [Schema.Types.Mixed], default: [] },
  },
  { versionKey: false, collection: 'visitor_activity_buckets', minimize: false },
);

export interface ActivityBucketDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  items: Activity[];
}
export const ActivityBucketModel = model('VisitorActivityBucket', bucketSchema);

export function bucketIdFor(visitorId: string, bucket: number): string {
  return `${visitorId}~${bucket}`;
}
