import { ACTIVITY_BUCKET_SIZE, ActivityBucketModel, bucketIdFor, type ActivityBucketDoc } from '../models/visitor-activity-bucket.model';
import type { Activity } from '../visitors/visitor-types';

export const activityBucketRepository = {
  /**
   * Appends the visitor's entry number `seq`. Idempotent: a retried append finds its id in the
   * bucket and does nothing (the visitor's workflow is the only writer, so read-then-write is safe).
   */
  async append(workspaceId: string, visitorId: string, seq: number, activity: Activity): Promise<void> {
    const _id = bucketIdFor(visitorId, Math.floor(seq / ACTIVITY_BUCKET_SIZE));
    const bucket = await ActivityBucketModel.findById(_id).lean<ActivityBucketDoc>();
    if (bucket?.items.some((item) => item.id === activity.id)) return;
    const items = [...(bucket?.items ?? []), activity];
    await ActivityBucketModel.collection.replaceOne({ _id: _id as never }, { _id, workspaceId, visitorId, items }, { upsert: true });
  },

  /** Entries of one visitor from its newest `maxBuckets` buckets (each read by `_id`). */
  async readLatest(visitorId: string, activityCount: number, maxBuckets: number): Promise<Activity[]> {
    const last = Math.floor(Math.max(activityCount - 1, 0) / ACTIVITY_BUCKET_SIZE);
    const ids = Array.from({ length: Math.min(maxBuckets, last + 1) }, (_, i) => bucketIdFor(visitorId, last - i));
    const buckets = await Promise.all(ids.map((id) => ActivityBucketModel.findById(id).lean<ActivityBucketDoc>()));
    return buckets.flatMap((b) => b?.items ?? []);
  },
};
