import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { defaultScoringRules, scoringRulesSchema, type ScoringRules } from './scoring-rules';

/**
 * The workspace's scoring rules: as stored (validated when PUT), else the defaults. A stored value
 * that no longer parses (a field renamed since) falls back to the defaults rather than stopping
 * every person's pipeline; GET /scoring shows which are in force.
 */
export function scoringRulesOf(workspace: Pick<WorkspaceDoc, 'scoringRules'> | null): { rules: ScoringRules; isDefault: boolean } {
  if (workspace?.scoringRules == null) return { rules: defaultScoringRules, isDefault: true };
  const parsed = scoringRulesSchema.safeParse(workspace.scoringRules);
  return parsed.success ? { rules: parsed.data, isDefault: false } : { rules: defaultScoringRules, isDefault: true };
}
