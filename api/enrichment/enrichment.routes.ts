import { enrichmentSettingsSchema, maskSettings } from '../../core/enrichment/enrichment-settings';
import { getEnrichmentSettings } from '../../core/enrichment/get-enrichment-settings';
import { updateEnrichmentSettings } from '../../core/enrichment/update-enrichment-settings';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';

const settingsView = enrichmentSettingsSchema.meta({ id: 'EnrichmentSettings' });

/** Which enrichment providers run for the workspace's identified people, and how. */
export function registerEnrichmentRoutes(api: ApiRouter): void {
  api.route({
    method: 'get',
    path: '/enrichment',
    summary: 'Get the enrichment settings',
    description: 'Enabled providers, the HTTP provider (URL, auth header — its value masked — and field mapping) and the cache TTL.',
    tags: ['Enrichment'],
    auth: 'secret',
    scope: 'read',
    responses: { 200: { description: 'The settings', schema: settingsView } },
    handler: async ({ res }) => ({ status: 200, body: maskSettings(await getEnrichmentSettings({ workspaceId: authOf(res).workspace._id })) }),
  });

  api.route({
    method: 'put',
    path: '/enrichment',
    summary: 'Replace the enrichment settings',
    description:
      'Applies to enrichment runs from now on (people are enriched again when their cached answer expires, or on POST /leads/:id/enrich). Sending back the masked auth header value from GET keeps the stored one.',
    tags: ['Enrichment'],
    auth: 'secret',
    scope: 'write',
    body: enrichmentSettingsSchema,
    responses: { 200: { description: 'The stored settings', schema: settingsView } },
    handler: async ({ body, res }) => ({ status: 200, body: maskSettings(await updateEnrichmentSettings({ workspaceId: authOf(res).workspace._id, settings: body })) }),
  });
}
