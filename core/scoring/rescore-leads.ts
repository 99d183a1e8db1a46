/**
 * A rules edit re-scores every lead of the workspace, page by page (the lead-rescore workflow
 * drives it, with a progress query). Silent unless the edit asked for `emit: true`.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { mapBounded } from '../platform/bounded-parallel';
import { leadRepository } from '../leads/lead.repository';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { personRescheduleSignal } from '../../workflows';
import { leadScoreRepository } from './lead-score.repository';
import { scorePerson } from './score-person';

export interface RescorePageInput {
  workspaceId: string;
  afterId: string | null;
  pageSize: number;
  concurrency: number;
  emit: boolean;
}

export interface RescorePageResult {
  lastId: string | null;
  processed: number;
  /** Leads whose grade changed. */
  changed: number;
  more: boolean;
}

export async function rescoreLeadsPage(deps: Deps, input: RescorePageInput, progress: (processed: number) => void): Promise<RescorePageResult> {
  const leads = await leadRepository.pageAfter(input.workspaceId, input.afterId, input.pageSize);
  let processed = 0;
  let changed = 0;
  await mapBounded(leads, input.concurrency, async (lead) => {
    if (await rescoreLead(deps, lead.workspaceId, lead._id, lead.visitorId, input.emit)) changed++;
    progress(++processed);
  });
  return { lastId: leads.at(-1)?._id ?? input.afterId, processed, changed, more: leads.length === input.pageSize };
}

/**
 * Scores the lead under the new rules; when its next grade change moved, the person's workflow
 * (if it runs) is told, so its decay timer follows the new rules. Returns whether the grade changed.
 */
async function rescoreLead(deps: Deps, workspaceId: string, leadId: string, visitorId: string, emit: boolean): Promise<boolean> {
  const before = await leadScoreRepository.findById(leadId);
  const result = await scorePerson(deps, { workspaceId, visitorId, emit, freshRules: true });
  if (!result || result === 'unchanged') return false;
  if ((before?.nextChangeAt?.getTime() ?? null) !== result.nextChangeAt) {
    await deps.temporal.workflow
      .getHandle(workflowIds.person(workspaceId, visitorId))
      .signal(personRescheduleSignal, result.nextChangeAt)
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // not running: it reads the stored score when it starts again
      });
  }
  return before?.grade !== result.grade;
}
