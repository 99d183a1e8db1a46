import { Context } from '@temporalio/activity';
import type { Deps } from '../core/platform/deps';
import { backfillSegmentSlice as runSlice, beginSegmentBackfill, countSegmentBackfill, type BackfillSliceInput, type BackfillSliceResult } from '../core/segments/backfill-segment';

export function createSegmentActivities(deps: Deps) {
  return {
    /** Local activity of segmentBackfillWorkflow: records its start. */
    beginSegmentBackfill,

    /** Activity of segmentBackfillWorkflow, alongside the first slice: how many it will evaluate. */
    countSegmentBackfill,

    /**
     * One slice of a backfill. It heartbeats its position after each chunk; a retry (a worker
     * lost mid-slice) resumes from the last heartbeat instead of the slice's start.
     */
    async backfillSegmentSlice(input: BackfillSliceInput): Promise<BackfillSliceResult> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as BackfillSliceResult | undefined;
      const from = resumed ? { ...input, afterId: resumed.afterId, processed: resumed.processed, qualified: resumed.qualified } : input;
      return runSlice(deps, from, (progress) => context.heartbeat(progress));
    },
  };
}
