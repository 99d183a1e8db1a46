import { z } from 'zod';
import type { EnrichmentCallDoc } from '../../core/enrichment/enrichment-call.model';
import { isoDate } from '../http/common-schemas';

export const enrichmentCallViewSchema = z
  .object({
    id: z.string(),
    provider: z.string(),
    outcome: z.enum(['ok', 'cache_hit', 'error', 'skipped']),
    error_class: z.string().nullable().meta({ description: 'timeout, network, http_status, invalid_response, invalid_input, ssrf_blocked or not_configured' }),
    message: z.string().nullable(),
    attempt: z.number().int().meta({ description: 'Attempt of this enrichment run (a provider that is down is retried with backoff)' }),
    duration_ms: z.number(),
    created_at: isoDate,
  })
  .meta({ id: 'EnrichmentCall' });

export function enrichmentCallView(call: EnrichmentCallDoc): z.infer<typeof enrichmentCallViewSchema> {
  return { id: call._id, provider: call.provider, outcome: call.outcome, error_class: call.errorClass, message: call.message, attempt: call.attempt, duration_ms: call.durationMs, created_at: call.createdAt.toISOString() };
}
