import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { defaultEnrichmentSettings, enrichmentSettingsSchema, providerNames, type EnrichmentSettings, type ProviderName } from './enrichment-settings';

/** The workspace's enrichment settings: as stored (validated when PUT), else the defaults. */
export function enrichmentSettingsOf(workspace: Pick<WorkspaceDoc, 'enrichmentSettings'> | null): EnrichmentSettings {
  if (workspace?.enrichmentSettings == null) return defaultEnrichmentSettings;
  const parsed = enrichmentSettingsSchema.safeParse(workspace.enrichmentSettings);
  return parsed.success ? parsed.data : defaultEnrichmentSettings;
}

export function enabledProviders(settings: EnrichmentSettings): ProviderName[] {
  return providerNames.filter((p) => settings.providers[p].enabled);
}
