import type { Deps } from '../platform/deps';
import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import { leadRescoreProgressQuery, type LeadRescoreProgress } from '../../workflows';
import type { ScoringRules } from './scoring-rules';
import { scoringRulesOf } from './workspace-scoring-rules';

export interface ScoringOverview {
  rules: ScoringRules;
  isDefault: boolean;
  rescore: (LeadRescoreProgress & { workflowId: string }) | { workflowId: string; status: 'canceled' | 'unknown' } | null;
}

/** GET /scoring: the rules in force and the progress of the latest re-score (from its workflow's query). */
export async function getScoring(deps: Deps, input: { workspaceId: string }): Promise<ScoringOverview> {
  const setting = await workspaceSettingRepository.find(input.workspaceId, 'scoring');
  const { rules, isDefault } = scoringRulesOf(setting);
  const workflowId = setting?.rescoreWorkflowId ?? null;
  if (!workflowId) return { rules, isDefault, rescore: null };
  const handle = deps.temporal.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name === 'CANCELLED' || description.status.name === 'TERMINATED') return { rules, isDefault, rescore: { workflowId, status: 'canceled' } };
    return { rules, isDefault, rescore: { workflowId, ...(await handle.query(leadRescoreProgressQuery)) } };
  } catch (err) {
    deps.logger.warn({ err, workflowId }, 'could not read the re-score progress');
    return { rules, isDefault, rescore: { workflowId, status: 'unknown' } };
  }
}
