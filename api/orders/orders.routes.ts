import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import { orderRepository } from '../../core/orders/order.repository';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { orderView, orderViewSchema } from './order-views';

const idParams = z.object({ id: z.string().min(1).max(100) });

export function registerOrderRoutes(api: ApiRouter, _deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/orders',
    summary: 'List orders',
    description: 'Revenue events with their first- and last-touch attribution, newest first.',
    tags: ['Orders'],
    auth: 'secret',
    scope: 'read',
    query: listQuerySchema,
    responses: { 200: { description: 'Newest first', schema: pageSchema(orderViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await orderRepository.list(authOf(res).workspace._id, { ...query, limit: query.limit + 1 });
      return { status: 200, body: toPage(rows, query.limit, orderView) };
    },
  });

  api.route({
    method: 'get',
    path: '/orders/:id',
    summary: 'Get an order',
    tags: ['Orders'],
    auth: 'secret',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'The order', schema: orderViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const order = await orderRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!order) throw AppError.notFound('Order');
      return { status: 200, body: orderView(order) };
    },
  });
}
