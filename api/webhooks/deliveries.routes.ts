import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { retryDelivery } from '../../core/webhooks/retry-delivery';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { deliveryView, deliveryViewSchema, deliveryWithAttemptsSchema, deliveryWithAttemptsView } from './webhook-views';

const idParams = z.object({ id: z.string().min(1) });
/** Shared with the subscriber portal's retry. */
export const retryResultSchema = z.object({ delivery: deliveryViewSchema, mode: z.enum(['woken', 'restarted', 'queued']).describe('`queued`: its first attempt is queued or in flight right now; nothing more was started') });

/** One delivery (an event to one subscription) with its attempts, and retrying it. */
export function registerDeliveryRoutes(api: ApiRouter, deps: ApiDeps): void {
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
