import type { Config } from '../platform/config';
import { visitorRepository } from '../visitors/visitor.repository';
import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import type { ProviderName } from './enrichment-settings';
import { personEnrichmentRepository } from './person-enrichment.repository';
import { enabledProviders, enrichmentSettingsOf } from './workspace-enrichment-settings';
import { lookupKeyOf, providerInputOf } from './run-provider';

export interface EnrichmentPlan {
  /** Enabled providers whose stored answer is missing, failed, stale, or for another input (a new IP). */
  due: ProviderName[];
  enabled: ProviderName[];
  retry: { initialIntervalMs: number; maximumIntervalMs: number; maximumAttempts: number };
  httpTimeoutMs: number;
}

/**
 * Which providers a person's workflow should run now. A fresh answer for the same input is not
 * asked again (the workflow restarts after idling, and a person's next visit must not re-enrich).
 */
export async function planEnrichment(config: Config, input: { workspaceId: string; visitorId: string; ip: string | null; force: boolean }): Promise<EnrichmentPlan> {
  const [visitor, setting] = await Promise.all([visitorRepository.findById(input.visitorId), workspaceSettingRepository.findCached(input.workspaceId, 'enrichment')]);
  const settings = enrichmentSettingsOf(setting);
  const enabled = visitor ? enabledProviders(settings) : [];
  const retry = { initialIntervalMs: config.ENRICH_RETRY_INITIAL, maximumIntervalMs: config.ENRICH_RETRY_MAX_INTERVAL, maximumAttempts: config.ENRICH_RETRY_MAX_ATTEMPTS };
  const plan = { enabled, retry, httpTimeoutMs: settings.providers.http.timeout_ms };
  if (!visitor || input.force) return { ...plan, due: enabled };
  const lookup = providerInputOf(visitor, input.ip);
  const stored = new Map((await personEnrichmentRepository.findForPerson(visitor._id, enabled)).map((d) => [d.provider, d]));
  const freshSince = Date.now() - settings.cache_ttl_hours * 3_600_000;
  const due = enabled.filter((provider) => {
    const doc = stored.get(provider);
    const key = lookupKeyOf(provider, lookup);
    if (!doc) return true;
    if (doc.status === 'skipped') return key !== null;
    return doc.status !== 'ok' || doc.inputKey !== key || (doc.fetchedAt?.getTime() ?? 0) < freshSince;
  });
  return { ...plan, due };
}
