import { ACTIVITY_BUCKET_SIZE, ActivityBucketModel, bucketIdFor, type ActivityBucketDoc } from './visitor-activity-bucket.model';
import type { Activity } from './visitor-types';

export const activityBucketRepository = {
  /**
   * Appends the visitor's entry number `seq` in one round trip. Idempotent: a retried append builds
   * the same entry from the same event, and `$addToSet` does not add it twice.
   */
  async append(workspaceId: string, visitorId: string, seq: number, activity: Activity): Promise<void> {
    const _id = bucketIdFor(visitorId, Math.floor(seq / ACTIVITY_BUCKET_SIZE));
    await ActivityBucketModel.collection.updateOne({ _id: _id as never }, { $addToSet: { items: activity as never }, $setOnInsert: { workspaceId, visitorId } }, { upsert: true });
  },

  /** Entries of one visitor from its newest `maxBuckets` buckets (each read by `_id`). */
  async readLatest(visitorId: string, activityCount: number, maxBuckets: number): Promise<Activity[]> {
    const last = Math.floor(Math.max(activityCount - 1, 0) / ACTIVITY_BUCKET_SIZE);
    const ids = Array.from({ length: Math.min(maxBuckets, last + 1) }, (_, i) => bucketIdFor(visitorId, last - i));
    const buckets = await Promise.all(ids.map((id) => ActivityBucketModel.findById(id).lean<ActivityBucketDoc>()));
    return buckets.flatMap((b) => b?.items ?? []);
  },
};
