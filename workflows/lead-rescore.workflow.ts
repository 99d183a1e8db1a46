import { continueAsNew, defineQuery, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface LeadRescoreInput {
  workspaceId: string;
  /** Emit lead.scored / prospect.qualified for what the new rules change (PUT /scoring `emit: true`). */
  emit: boolean;
  /** Carried over continue-as-new. */
  progress?: LeadRescoreProgress;
  afterId?: string | null;
}

export interface LeadRescoreProgress {
  status: 'running' | 'completed';
  processed: number;
  total: number;
  /** Leads whose grade changed under the new rules. */
  changed: number;
  startedAt: string;
  finishedAt: string | null;
}

export const leadRescoreProgressQuery = defineQuery<LeadRescoreProgress>('progress');

const PAGE_SIZE = 100;
const CONCURRENCY = 4;
const PAGES_PER_RUN = 50;

const { rescoreLeadsPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { countWorkspaceLeads } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute' });

/**
 * `lead-rescore-<workspace>-<n>`: re-scores every lead of a workspace after its rules changed, a
 * page at a time with bounded concurrency, continuing as new every 50 pages. Its `progress`
 * query is what GET /api/v1/scoring shows. A newer edit cancels it and starts its own.
 */
export async function leadRescoreWorkflow(input: LeadRescoreInput): Promise<LeadRescoreProgress> {
  const progress: LeadRescoreProgress = input.progress ?? { status: 'running', processed: 0, total: await countWorkspaceLeads({ workspaceId: input.workspaceId }), changed: 0, startedAt: new Date().toISOString(), finishedAt: null };
  setHandler(leadRescoreProgressQuery, () => progress);
  let afterId = input.afterId ?? null;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const result = await rescoreLeadsPage({ workspaceId: input.workspaceId, afterId, pageSize: PAGE_SIZE, concurrency: CONCURRENCY, emit: input.emit });
    progress.processed += result.processed;
    progress.changed += result.changed;
    // Leads created since the count are re-scored too; the total follows.
    progress.total = Math.max(progress.total, progress.processed);
    afterId = result.lastId;
    if (!result.more) {
      progress.status = 'completed';
      progress.finishedAt = new Date().toISOString();
      return progress;
    }
  }
  return continueAsNew<typeof leadRescoreWorkflow>({ ...input, progress, afterId });
}
