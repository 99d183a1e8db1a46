import { WorkflowNotFoundError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import { leadRescoreWorkflow } from '../../workflows';
import type { ScoringRules } from './scoring-rules';

/**
 * PUT /scoring: stores the (validated) rules and starts a re-score of every lead under them. A
 * re-score still running from an earlier edit is canceled first: the new one covers every lead.
 * `rules: 'current'` (the CLI's re-score) keeps what is stored, defaults included.
 */
export async function updateScoringRules(deps: Deps, input: { workspaceId: string; rules: ScoringRules | 'current'; emit: boolean }): Promise<{ rescoreWorkflowId: string }> {
  const previous = await workspaceSettingRepository.find(input.workspaceId, 'scoring');
  if (previous?.rescoreWorkflowId) await cancelRescore(deps, previous.rescoreWorkflowId);
  const workflowId = workflowIds.leadRescore(input.workspaceId, Date.now().toString(36));
  // Stored before the start: the re-score reads the rules it applies.
  const value = input.rules === 'current' ? (previous?.value ?? null) : input.rules;
  await workspaceSettingRepository.put(input.workspaceId, 'scoring', value, workflowId);
  await deps.temporal.workflow.start(leadRescoreWorkflow, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId,
    args: [{ workspaceId: input.workspaceId, emit: input.emit }],
    typedSearchAttributes: [{ key: searchAttributes.workspaceId, value: input.workspaceId }],
    memo: { workspaceId: input.workspaceId, description: `Re-scores every lead after a scoring-rules edit${input.emit ? ' (emitting what changes)' : ''}` },
  });
  return { rescoreWorkflowId: workflowId };
}

async function cancelRescore(deps: Deps, workflowId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err; // finished long ago and removed
  }
}
