import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { eventTypes } from '../../core/events/event-catalogue';
import { describeEventTypes } from '../../core/events/describe-event-types';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { eventRepository } from '../../core/events/event.repository';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { deliveryView, deliveryViewSchema } from '../webhooks/webhook-views';
import { eventView, eventViewSchema } from './event-views';
import { replayEvent } from '../../core/events/replay-event';

export const replayResultSchema = z.object({
  replayId: z.string(),
  deliveryIds: z.array(z.string()).meta({ description: 'The new deliveries, one per subscription the event matches now (empty when none does)' }),
});

const idParams = z.object({ id: z.string().min(1) });

export function registerEventRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/event-types',
    summary: 'The event catalogue',
    description: 'Every event type with its JSON Schema and a realistic sample (what a Zapier trigger shows), and whether your plan includes it.',
    tags: ['Events'],
    auth: 'secret',
    responses: {
      200: {
        description: 'All event types',
        schema: z.object({
          data: z.array(z.object({ type: z.string(), description: z.string(), plan: z.string(), available: z.boolean(), schema: z.record(z.string(), z.unknown()), sample: z.unknown() })),
        }),
      },
    },
    handler: async ({ res }) => {
      const entitled = new Set(authOf(res).workspace.entitledEventTypes);
      return { status: 200, body: { data: describeEventTypes().map((d) => ({ ...d, available: entitled.has(d.type) })) } };
    },
  });

  api.route({
    method: 'get',
    path: '/events',
    summary: 'List events',
    description: 'The event log, newest first — also the feed polling triggers (Zapier, Make, n8n) read; `id` is stable per event.',
    tags: ['Events'],
    auth: 'secret',
    scope: 'read',
    query: listQuerySchema.extend({ type: z.enum(eventTypes).optional() }),
    responses: { 200: { description: 'Newest first', schema: pageSchema(eventViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await eventRepository.list(authOf(res).workspace._id, { ...query, limit: query.limit + 1 });
      return { status: 200, body: toPage(rows, query.limit, eventView) };
    },
  });

  api.route({
    method: 'get',
    path: '/events/:id',
    summary: 'Get an event and its deliveries',
    tags: ['Events'],
    auth: 'secret',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'The event', schema: eventViewSchema.extend({ deliveries: z.array(deliveryViewSchema) }) }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const { workspace } = authOf(res);
      const event = await eventRepository.findInWorkspace(workspace._id, params.id);
      if (!event) throw AppError.notFound('Event');
      const deliveries = await deliveryRepository.listForEvent(workspace._id, event._id);
      return { status: 200, body: { ...eventView(event), deliveries: deliveries.map(deliveryView) } };
    },
  });

  api.route({
    method: 'post',
    path: '/events/:id/replay',
    summary: 'Replay an event',
    description:
      'Sends the stored event again, as new deliveries, to the subscriptions that match it now (active, subscribed to its type, filters passing). ' +
      'Same event id and payload: receivers de-duplicate on `webhook-id`. Another workspace\'s event → 404.',
    tags: ['Events'],
    auth: 'secret',
    scope: 'webhooks',
    params: idParams,
    responses: { 202: { description: 'Queued', schema: replayResultSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => ({ status: 202, body: await replayEvent(deps, { workspaceId: authOf(res).workspace._id, eventId: params.id }) }),
  });
}
