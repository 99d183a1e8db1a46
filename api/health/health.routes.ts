import { z } from 'zod';
import { isDatabaseReachable } from '../../core/platform/db';
import { isTemporalReachable } from '../../core/platform/temporal/client';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';

const readinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({ mongodb: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) }),
  })
  .meta({ id: 'Readiness' });

export function registerHealthRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process is up',
    tags: ['Operations'],
    auth: 'none',
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  });

  api.route({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: MongoDB and Temporal answer',
    tags: ['Operations'],
    auth: 'none',
    responses: {
      200: { description: 'Ready', schema: readinessSchema },
      503: { description: 'A dependency is down', schema: readinessSchema },
    },
    handler: async () => {
      const [mongodb, temporal] = await Promise.all([isDatabaseReachable(), isTemporalReachable(deps.temporal)]);
      const ready = mongodb && temporal;
      return {
        status: ready ? 200 : 503,
        body: { status: ready ? 'ready' : 'unavailable', checks: { mongodb: mongodb ? 'up' : 'down', temporal: temporal ? 'up' : 'down' } },
      };
    },
  });
}
