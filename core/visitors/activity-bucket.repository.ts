import { insertManyOnce } from '../platform/insert-once';
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

  /**
   * Batch form of append, for many visitors' entries at once: a bucket these entries open is
   * inserted whole (one insertMany for all of them), any other bucket gets its entries in one
   * `$addToSet`/`$each` (one round trip per bucket, not per entry). Idempotent as append: a bucket
   * an earlier attempt already inserted gets the entries it lacks added to it.
   */
  async appendMany(entries: ReadonlyArray<{ workspaceId: string; visitorId: string; seq: number; activity: Activity }>): Promise<void> {
    const buckets = new Map<string, { workspaceId: string; visitorId: string; opens: boolean; items: Activity[] }>();
    for (const { workspaceId, visitorId, seq, activity } of entries) {
      const _id = bucketIdFor(visitorId, Math.floor(seq / ACTIVITY_BUCKET_SIZE));
      const bucket = buckets.get(_id) ?? { workspaceId, visitorId, opens: seq % ACTIVITY_BUCKET_SIZE === 0, items: [] };
      bucket.items.push(activity);
      buckets.set(_id, bucket);
    }
    const opened = [...buckets].filter(([, b]) => b.opens).map(([_id, b]) => ({ _id, workspaceId: b.workspaceId, visitorId: b.visitorId, items: b.items }));
    const existed = await insertManyOnce(ActivityBucketModel, opened);
    const toUpdate = [...buckets].filter(([_id, b]) => !b.opens || existed.has(_id));
    await Promise.all(
      toUpdate.map(([_id, b]) =>
        ActivityBucketModel.collection.updateOne({ _id: _id as never }, { $addToSet: { items: { $each: b.items as never[] } }, $setOnInsert: { workspaceId: b.workspaceId, visitorId: b.visitorId } }, { upsert: true }),
      ),
    );
  },

  /** Entries of one visitor from its newest `maxBuckets` buckets (each read by `_id`). */
  async readLatest(visitorId: string, activityCount: number, maxBuckets: number): Promise<Activity[]> {
    const last = Math.floor(Math.max(activityCount - 1, 0) / ACTIVITY_BUCKET_SIZE);
    const ids = Array.from({ length: Math.min(maxBuckets, last + 1) }, (_, i) => bucketIdFor(visitorId, last - i));
    const buckets = await Promise.all(ids.map((id) => ActivityBucketModel.findById(id).lean<ActivityBucketDoc>()));
    return buckets.flatMap((b) => b?.items ?? []);
  },
};
