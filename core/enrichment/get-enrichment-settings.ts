import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import type { EnrichmentSettings } from './enrichment-settings';
import { enrichmentSettingsOf } from './workspace-enrichment-settings';

export async function getEnrichmentSettings(input: { workspaceId: string }): Promise<EnrichmentSettings> {
  return enrichmentSettingsOf(await workspaceSettingRepository.find(input.workspaceId, 'enrichment'));
}
