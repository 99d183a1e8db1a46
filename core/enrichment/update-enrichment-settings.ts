import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import { maskSettings, type EnrichmentSettings } from './enrichment-settings';
import { getEnrichmentSettings } from './get-enrichment-settings';
import { storedEnrichmentSettings } from './workspace-enrichment-settings';

/**
 * Stores validated settings. The auth header value GET showed masked may come back as it was
 * shown: then the stored value is kept (a client editing another field never learns or loses it).
 */
export async function updateEnrichmentSettings(input: { workspaceId: string; settings: EnrichmentSettings }): Promise<EnrichmentSettings> {
  const current = await getEnrichmentSettings(input);
  const next = structuredClone(input.settings);
  const sent = next.providers.http.auth_header;
  const stored = current.providers.http.auth_header;
  if (sent && stored && sent.name === stored.name && sent.value === maskSettings(current).providers.http.auth_header?.value) sent.value = stored.value;
  await workspaceSettingRepository.put(input.workspaceId, 'enrichment', storedEnrichmentSettings(next));
  return next;
}
