import type { WorkspaceSettingDoc } from '../workspaces/workspace-setting.model';
import { defaultEnrichmentSettings, enrichmentSettingsSchema, providerNames, type EnrichmentSettings, type ProviderName } from './enrichment-settings';

/**
 * The HTTP mapping's keys are dotted targets (`person_details.job_title`), which a document key
 * may not hold: it is stored as a list of `{ target, source }` pairs.
 */
interface StoredMappingPair {
  target: string;
  source: string;
}

export function storedEnrichmentSettings(settings: EnrichmentSettings): unknown {
  const http = settings.providers.http;
  const mapping: StoredMappingPair[] = Object.entries(http.mapping).flatMap(([target, source]) => (source === undefined ? [] : [{ target, source }]));
  return { ...settings, providers: { ...settings.providers, http: { ...http, mapping } } };
}

/** The workspace's enrichment settings: as stored (validated when PUT), else the defaults. */
export function enrichmentSettingsOf(setting: Pick<WorkspaceSettingDoc, 'value'> | null): EnrichmentSettings {
  const stored = setting?.value as { providers?: { http?: { mapping?: unknown } } } | null | undefined;
  if (stored == null) return defaultEnrichmentSettings;
  const pairs = stored.providers?.http?.mapping;
  const mapping = Array.isArray(pairs) ? Object.fromEntries((pairs as StoredMappingPair[]).map((p) => [p.target, p.source])) : pairs;
  const parsed = enrichmentSettingsSchema.safeParse({ ...stored, providers: { ...stored.providers, http: { ...stored.providers?.http, mapping } } });
  return parsed.success ? parsed.data : defaultEnrichmentSettings;
}

export function enabledProviders(settings: EnrichmentSettings): ProviderName[] {
  return providerNames.filter((p) => settings.providers[p].enabled);
}
