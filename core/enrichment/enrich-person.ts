/**
 * Runs one enrichment provider for one person (an activity on the provider's own task queue):
 * answers from the cache when the same domain / email / IP was looked up within the workspace's
 * TTL, else calls the provider. Every call is recorded (provider, outcome, error class, duration,
 * attempt). The answer is stored per person and provider; company details go to the company, and
 * the first enrichment that reveals a company emits company.identified.
 */
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { emitEvent } from '../events/emit-event';
import { visitorRepository } from '../visitors/visitor.repository';
import { companyIdFor, emittedEventIdFor } from '../visitors/visitor-ids';
import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import { normalizeDomain } from '../companies/company-from-identity';
import { companyRepository } from '../companies/company.repository';
import { enrichmentCacheRepository } from './enrichment-cache.repository';
import { enrichmentCallRepository } from './enrichment-call.repository';
import { personEnrichmentRepository } from './person-enrichment.repository';
import { companyEnrichmentRepository } from './company-enrichment.repository';
import type { EnrichmentFields } from './person-enrichment.model';
import type { ProviderName } from './enrichment-settings';
import { enrichmentSettingsOf } from './workspace-enrichment-settings';
import { ProviderError } from './provider-error';
import { lookupKeyOf, providerInputOf, runProvider } from './run-provider';

export interface EnrichPersonInput {
  workspaceId: string;
  visitorId: string;
  provider: ProviderName;
  /** The person's latest IP (from the events that started or signalled the pipeline); not stored on the visitor. */
  ip: string | null;
  /** POST /leads/:id/enrich: skip the cache. */
  force: boolean;
  /** Temporal's attempt number, recorded with the call. */
  attempt: number;
}

export type EnrichOutcome = 'ok' | 'cache_hit' | 'skipped' | 'disabled';

export async function enrichPerson(deps: Deps, input: EnrichPersonInput): Promise<{ outcome: EnrichOutcome; companyRevealed: boolean }> {
  const { workspaceId, visitorId, provider } = input;
  const [visitor, stored] = await Promise.all([visitorRepository.findById(visitorId), workspaceSettingRepository.findCached(workspaceId, 'enrichment')]);
  const settings = enrichmentSettingsOf(stored);
  if (!visitor || visitor.workspaceId !== workspaceId || !settings.providers[provider].enabled) return { outcome: 'disabled', companyRevealed: false };
  const lookup = providerInputOf(visitor, input.ip);
  const key = lookupKeyOf(provider, lookup);
  const started = new Date();
  const record = (outcome: 'ok' | 'cache_hit' | 'error' | 'skipped', error?: ProviderError) =>
    enrichmentCallRepository.record({ workspaceId, visitorId, provider, outcome, errorClass: error?.errorClass ?? null, message: error?.message.slice(0, 300) ?? null, attempt: input.attempt, durationMs: Date.now() - started.getTime(), createdAt: started });
  if (key === null) {
    await personEnrichmentRepository.saveSkipped({ workspaceId, visitorId, provider, at: started });
    await record('skipped');
    return { outcome: 'skipped', companyRevealed: false };
  }
  const cached = input.force ? null : await enrichmentCacheRepository.findFresh(workspaceId, provider, key, started);
  let fields: EnrichmentFields;
  if (cached) {
    fields = cached.fields as EnrichmentFields;
  } else {
    try {
      fields = await runProvider(provider, settings, lookup, deps.config.ALLOW_PRIVATE_WEBHOOK_TARGETS);
    } catch (err) {
      const error = err instanceof ProviderError ? err : new ProviderError('network', err instanceof Error ? err.message : String(err), { retryable: true });
      await personEnrichmentRepository.saveError({ workspaceId, visitorId, provider, errorClass: error.errorClass, message: error.message.slice(0, 300), at: new Date() });
      await record('error', error);
      throw error;
    }
    await enrichmentCacheRepository.put({ workspaceId, provider, key, fields, fetchedAt: started, ttlMs: settings.cache_ttl_hours * 3_600_000 });
  }
  await personEnrichmentRepository.saveResult({ workspaceId, visitorId, provider, inputKey: key, fields, at: cached?.fetchedAt ?? started });
  await record(cached ? 'cache_hit' : 'ok');
  const companyRevealed = await revealCompany(deps, workspaceId, provider, fields, visitor.company?.domain ?? null);
  return { outcome: cached ? 'cache_hit' : 'ok', companyRevealed };
}

/**
 * Company details with a domain are kept for that company; the first time any provider reveals
 * it, company.identified is emitted (its id derives from the company, so only once). Details
 * without a domain (a business network's name) stay on the person: a company event needs a domain.
 */
async function revealCompany(deps: Deps, workspaceId: string, provider: ProviderName, fields: EnrichmentFields, knownDomain: string | null): Promise<boolean> {
  const details = fields.company_details;
  const domain = (details.domain ? normalizeDomain(details.domain) : null) ?? (Object.keys(details).length > 0 && provider !== 'ip-network' ? knownDomain : null);
  if (!domain) return false;
  const companyId = companyIdFor(workspaceId, domain);
  await companyEnrichmentRepository.save({ workspaceId, companyId, domain, provider, details: { ...details, domain }, fetchedAt: new Date() });
  const merged = await companyEnrichmentRepository.mergedDetails(companyId);
  const stored = await companyRepository.findById(companyId);
  const data = {
    company_id: companyId,
    name: merged.name ?? stored?.name ?? null,
    domain,
    website: merged.website ?? `https://${domain}`,
    industry: merged.industry ?? null,
    employee_range: merged.employee_range ?? null,
    location: merged.location ?? null,
    country_code: merged.country_code ?? null,
    linkedin: merged.linkedin ?? null,
    identified_at: new Date().toISOString(),
  };
  try {
    await emitEvent(deps, { workspaceId, type: 'company.identified', data, id: emittedEventIdFor(companyId, 'company.identified'), recordIfInvalid: true });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, companyId }, 'company.identified failed its schema; recorded in failed_events, not delivered');
  }
  return true;
}
