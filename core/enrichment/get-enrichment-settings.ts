import { AppError } from '../platform/errors';
import { workspaceRepository } from '../workspaces/workspace.repository';
import type { EnrichmentSettings } from './enrichment-settings';
import { enrichmentSettingsOf } from './workspace-enrichment-settings';

export async function getEnrichmentSettings(input: { workspaceId: string }): Promise<EnrichmentSettings> {
  const workspace = await workspaceRepository.findById(input.workspaceId);
  if (!workspace) throw AppError.notFound('Workspace');
  return enrichmentSettingsOf(workspace);
}
