import { z } from 'zod';
import { getWorkspaceStats, type WorkspaceStats } from '../../core/stats/get-workspace-stats';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';
import { endpointHealthSchema, endpointHealthView } from '../webhooks/webhook-views';

export const statsQuery = z.object({
  minutes: z.coerce.number({ error: 'must be a number' }).int().min(1).max(180).default(60).meta({ description: 'Window: the last N minutes, 1–180 (the figures are counted from a read of every event and delivery in it)' }),
});

const deliveryCounts = z.object({ created: z.number().int(), succeeded: z.number().int(), failed: z.number().int() });

export const statsSchema = z
  .object({
    from: isoDate.meta({ description: 'Start of the first minute' }),
    to: isoDate,
    minutes: z.array(z.object({ start: isoDate, events: z.number().int(), deliveries: deliveryCounts })).meta({ description: 'One bucket per minute, oldest first; a delivery counts in the minute it was created, with its outcome so far' }),
    deliveries: deliveryCounts.extend({ successRate: z.number().nullable().meta({ description: 'succeeded / (succeeded + failed) over the window; null when none finished' }) }),
    ingest: z.object({
      backlog: z.number().int().meta({ description: 'Accepted ingest events of the workspace not yet applied (ingest_outbox)' }),
      lagSeconds: z.number().nullable().meta({ description: 'Age of the oldest of them; null when none waits' }),
    }),
    failingEndpoints: z.array(z.object({ id: z.string(), url: z.string(), active: z.boolean(), health: endpointHealthSchema })).meta({ description: 'Disabled, circuit open, or the last attempt failed' }),
  })
  .meta({ id: 'WorkspaceStats' });

function statsView(stats: WorkspaceStats): z.infer<typeof statsSchema> {
  return {
    from: stats.from.toISOString(),
    to: stats.to.toISOString(),
    minutes: stats.minutes.map((b) => ({ start: b.start.toISOString(), events: b.events, deliveries: b.deliveries })),
    deliveries: stats.deliveries,
    ingest: stats.ingest,
    failingEndpoints: stats.failingEndpoints.map(({ subscription, health }) => ({ id: subscription._id, url: subscription.url, active: subscription.active, health: endpointHealthView(health, stats.to) })),
  };
}

/** The overview figures (the console's first page). */
export function registerStatsRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/stats',
    summary: 'Events, deliveries and pipeline figures of the last minutes',
    description: 'Per-minute events created and deliveries created / succeeded / failed, the delivery success rate over the window, the ingest backlog and lag, and the failing endpoints.',
    tags: ['Events'],
    auth: 'secret',
    scope: 'read',
    query: statsQuery,
    responses: { 200: { description: 'The figures', schema: statsSchema } },
    handler: async ({ query, res }) => ({ status: 200, body: statsView(await getWorkspaceStats(deps, { workspaceId: authOf(res).workspace._id, minutes: query.minutes })) }),
  });
}
