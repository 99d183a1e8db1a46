import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { retryDelivery } from '../../core/webhooks/retry-delivery';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { pageSchema, toPage } from '../../core/platform/pagination';
import { deliveryView, deliveryViewSchema, deliveryWithAttemptsSchema, deliveryWithAttemptsView } from './webhook-views';
import { deliveryListFilter, deliveryListQuery } from './webhooks.routes';

const idParams = z.object({ id: z.string().min(1) });
/** Shared with the subscriber portal's retry. */
export const retryResultSchema = z.object({ delivery: deliveryViewSchema, mode: z.enum(['woken', 'restarted', 'queued']).describe('`queued`: its first attempt is queued or in flight right now; nothing more was started') });

/** The per-subscription list's query, plus the endpoint as an optional filter. */
export const workspaceDeliveryListQuery = deliveryListQuery.extend({
  subscription_id: z.string().min(1).max(64).optional().meta({ description: 'Only this subscription\'s deliveries' }),
});

/** The workspace's deliveries; one delivery (an event to one subscription) with its attempts, and retrying it. */
export function registerDeliveryRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/deliveries',
    summary: "List the workspace's deliveries",
    description: 'Every endpoint\'s deliveries, newest first, filtered by `status`, `event_type` and `subscription_id` (an unknown one simply matches nothing). Same view and paging as a subscription\'s list.',
    tags: ['Webhooks'],
    auth: 'secret',
    scope: 'webhooks',
    query: workspaceDeliveryListQuery,
    responses: { 200: { description: 'Newest first', schema: pageSchema(deliveryViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await deliveryRepository.list(authOf(res).workspace._id, deliveryListFilter(query, query.subscription_id));
      return { status: 200, body: toPage(rows, query.limit, deliveryView) };
    },
  });

  api.route({
    method: 'get',
    path: '/deliveries/:id',
    summary: 'Get a delivery with all its attempts',
    tags: ['Webhooks'],
    auth: 'secret',
    scope: 'webhooks',
    params: idParams,
    responses: { 200: { description: 'The delivery', schema: deliveryWithAttemptsSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const delivery = await deliveryRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!delivery) throw AppError.notFound('Delivery');
      return { status: 200, body: deliveryWithAttemptsView(delivery) };
    },
  });

  api.route({
    method: 'post',
    path: '/deliveries/:id/retry',
    summary: 'Retry a delivery now',
    description: 'A delivery waiting between attempts is attempted now; a finished one starts a new attempt series, recorded on the same delivery; one whose first attempt is queued or in flight is left to it (`queued`).',
    tags: ['Webhooks'],
    auth: 'secret',
    scope: 'webhooks',
    params: idParams,
    responses: { 202: { description: 'Retry started', schema: retryResultSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const { delivery, mode } = await retryDelivery(deps, { workspaceId: authOf(res).workspace._id, deliveryId: params.id });
      return { status: 202, body: { delivery: deliveryView(delivery), mode } };
    },
  });
}
