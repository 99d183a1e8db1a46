import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import type { ParkedEventDoc } from '../../core/visitors/parked-event.model';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import { parkedEventRepository } from '../../core/visitors/parked-event.repository';
import { replayParkedEvent } from '../../core/visitors/replay-parked-event';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';

const idParams = z.object({ id: z.string().min(1).max(100) });

export const parkedEventViewSchema = z
  .object({
    id: z.string().meta({ description: 'The accepted event id (`ing_…`, as answered by ingest)' }),
    visitorId: z.string(),
    type: z.string().meta({ example: 'pageview' }),
    error: z.string().meta({ description: 'Why applying it failed on every attempt' }),
    errorType: z.string(),
    timesParked: z.number().int().meta({ description: 'Parked again after each replay that failed' }),
    event: z.object({ timestamp: isoDate, receivedAt: isoDate, messageId: z.string().nullable(), data: z.record(z.string(), z.unknown()) }),
    createdAt: isoDate.meta({ description: 'When it was (last) parked' }),
  })
  .meta({ id: 'ParkedEvent' });

function parkedEventView(doc: ParkedEventDoc): z.infer<typeof parkedEventViewSchema> {
  const { event } = doc;
  return {
    id: doc._id,
    visitorId: doc.visitorId,
    type: doc.type,
    error: doc.error,
    errorType: doc.errorType,
    timesParked: doc.timesParked,
    event: { timestamp: new Date(event.timestamp).toISOString(), receivedAt: new Date(event.receivedAt).toISOString(), messageId: event.messageId ?? null, data: event.data ?? {} },
    createdAt: doc.createdAt.toISOString(),
  };
}

/** The visitor pipeline's dead letters: events it gave up on, to inspect, replay or discard. */
export function registerParkedEventRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Parked events'], auth: 'secret', scope: 'write' } as const;

  api.route({
    ...common,
    scope: 'read',
    method: 'get',
    path: '/parked-events',
    summary: 'List parked events',
    description:
      'Accepted events the visitor pipeline set aside because applying them failed for a reason of their own on every attempt (never because of an outage: those wait). The visitor went on without them; nothing is dropped.',
    query: listQuerySchema,
    responses: { 200: { description: 'Newest first', schema: pageSchema(parkedEventViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await parkedEventRepository.list(authOf(res).workspace._id, { ...query, limit: query.limit + 1 });
      return { status: 200, body: toPage(rows, query.limit, parkedEventView) };
    },
  });

  api.route({
    ...common,
    scope: 'read',
    method: 'get',
    path: '/parked-events/:id',
    summary: 'Get a parked event',
    params: idParams,
    responses: { 200: { description: 'The parked event', schema: parkedEventViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const parked = await parkedEventRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!parked) throw AppError.notFound('Parked event');
      return { status: 200, body: parkedEventView(parked) };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/parked-events/:id/replay',
    summary: 'Replay a parked event',
    description: 'Sends the event through its visitor pipeline again. If it fails again on every attempt it is parked again (`timesParked` + 1).',
    params: idParams,
    responses: { 202: { description: 'Handed back to the pipeline', schema: z.object({ id: z.string(), status: z.literal('replaying') }) }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const parked = await replayParkedEvent(deps, { workspaceId: authOf(res).workspace._id, id: params.id });
      return { status: 202, body: { id: parked._id, status: 'replaying' as const } };
    },
  });

  api.route({
    ...common,
    method: 'delete',
    path: '/parked-events/:id',
    summary: 'Discard a parked event',
    params: idParams,
    responses: { 204: { description: 'Discarded' }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const parked = await parkedEventRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!parked) throw AppError.notFound('Parked event');
      await parkedEventRepository.remove(parked._id);
      return { status: 204 };
    },
  });
}
