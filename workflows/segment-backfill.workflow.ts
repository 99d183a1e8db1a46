import { continueAsNew, defineQuery, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface SegmentBackfillInput {
  workspaceId: string;
  segmentId: string;
  /** The rules version evaluated; a newer one supersedes this run. */
  version: number;
  /** How long one slice (one activity) runs before reporting where it got to, in ms. */
  sliceMs?: number;
  /** Carried over continue-as-new. */
  progress?: SegmentBackfillProgress;
  afterId?: string | null;
}

export interface SegmentBackfillProgress {
  status: 'running' | 'completed' | 'superseded';
  processed: number;
  /** Null until counted (alongside the first slice; about the number of people); once completed, how many were evaluated. */
  total: number | null;
  /** Members found so far. */
  qualified: number;
  startedAt: string;
  finishedAt: string | null;
}

export const segmentBackfillProgressQuery = defineQuery<SegmentBackfillProgress>('progress');

const SLICE_MS = 60_000;
const SLICES_PER_RUN = 100;

const { backfillSegmentSlice } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// A count can take as long as the walk (FerretDB reads every document): an activity of its own, so
// it never holds the workflow task the way a long local activity does.
const { countSegmentBackfill } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { beginSegmentBackfill } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute' });

/**
 * `segment-backfill-<segment>`: evaluates every existing person (or company) of the workspace
 * under a segment's new rules, a slice at a time (each slice an activity that heartbeats its
 * position and writes progress to the segment), continuing as new every 100 slices. Its
 * `progress` query reads in the Temporal UI; GET /segments/:id shows the same. A rules edit
 * starts the next version under the same id, terminating this run; a slice still going finds
 * the segment moved on and stops.
 */
export async function segmentBackfillWorkflow(input: SegmentBackfillInput): Promise<SegmentBackfillProgress> {
  const target = { workspaceId: input.workspaceId, segmentId: input.segmentId, version: input.version, runKey: workflowInfo().firstExecutionRunId };
  let progress: SegmentBackfillProgress;
  if (input.progress) progress = input.progress;
  else {
    const begun = await beginSegmentBackfill({ ...target, workflowId: workflowInfo().workflowId });
    const now = new Date().toISOString();
    if (begun === 'superseded') return { status: 'superseded', processed: 0, total: null, qualified: 0, startedAt: now, finishedAt: now };
    progress = { status: 'running', processed: 0, total: null, qualified: 0, startedAt: begun.startedAt, finishedAt: null };
  }
  setHandler(segmentBackfillProgressQuery, () => progress);
  const counting =
    progress.total === null
      ? countSegmentBackfill(target).then((total) => {
          progress.total = Math.max(total, progress.processed);
        })
      : Promise.resolve();
  let afterId = input.afterId ?? null;
  for (let slice = 0; slice < SLICES_PER_RUN; slice++) {
    const result = await backfillSegmentSlice({ ...target, afterId, processed: progress.processed, qualified: progress.qualified, budgetMs: input.sliceMs ?? SLICE_MS });
    progress = { ...progress, processed: result.processed, qualified: result.qualified };
    afterId = result.afterId;
    if (result.status !== 'more') {
      await counting;
      if (result.status === 'completed') progress.total = progress.processed;
      progress.status = result.status;
      progress.finishedAt = new Date().toISOString();
      return progress;
    }
  }
  await counting;
  return continueAsNew<typeof segmentBackfillWorkflow>({ ...input, progress, afterId });
}
