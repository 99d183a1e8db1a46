import type { WorkspaceSettingDoc } from '../workspaces/workspace-setting.model';
import { defaultScoringRules, scoringRulesSchema, type ScoringRules } from './scoring-rules';

/**
 * The workspace's scoring rules: as stored (validated when PUT), else the defaults. A stored value
 * that no longer parses (a field renamed since) falls back to the defaults rather than stopping
 * every person's pipeline; GET /scoring shows which are in force.
 */
export function scoringRulesOf(setting: Pick<WorkspaceSettingDoc, 'value'> | null): { rules: ScoringRules; isDefault: boolean } {
  if (setting?.value == null) return { rules: defaultScoringRules, isDefault: true };
  const parsed = scoringRulesSchema.safeParse(setting.value);
  return parsed.success ? { rules: parsed.data, isDefault: false } : { rules: defaultScoringRules, isDefault: true };
}
