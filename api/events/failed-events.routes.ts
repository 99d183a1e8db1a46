import { z } from 'zod';
import type { FailedEventDoc } from '../../core/events/failed-event.model';
import { failedEventRepository } from '../../core/events/failed-event.repository';
import { AppError } from '../../core/platform/errors';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';

const failedEventViewSchema = z
  .object({
    id: z.string().meta({ description: 'The id the event would have had' }),
    type: z.string().meta({ example: 'person.identified' }),
    data: z.unknown().meta({ description: 'The payload as built, which failed its schema' }),
    details: z.record(z.string(), z.array(z.string())).meta({ description: 'What failed, per field, as in a 400' }),
    createdAt: isoDate,
  })
  .meta({ id: 'FailedEvent' });

function failedEventView(doc: FailedEventDoc): z.infer<typeof failedEventViewSchema> {
  return { id: doc._id, type: doc.type, data: doc.data, details: Object.fromEntries(doc.issues.map((i) => [i.field, i.messages])), createdAt: doc.createdAt.toISOString() };
}

/** Events Signalbox built but could not send because their payload failed its own schema. */
export function registerFailedEventRoutes(api: ApiRouter): void {
  const common = { tags: ['Events'], auth: 'secret', scope: 'read' } as const;
  api.route({
    ...common,
    method: 'get',
    path: '/failed-events',
    summary: 'List events that failed their schema',
    description: 'Events the pipeline built whose payload failed its own schema (a Signalbox bug): not delivered, kept here so a missing webhook is never silent. Newest first.',
    query: listQuerySchema,
    responses: { 200: { description: 'Newest first', schema: pageSchema(failedEventViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await failedEventRepository.list(authOf(res).workspace._id, { ...query, limit: query.limit + 1 });
      return { status: 200, body: toPage(rows, query.limit, failedEventView) };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/failed-events/:id',
    summary: 'Get an event that failed its schema',
    params: z.object({ id: z.string().min(1).max(100) }),
    responses: { 200: { description: 'The failed event', schema: failedEventViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const doc = await failedEventRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!doc) throw AppError.notFound('Failed event');
      return { status: 200, body: failedEventView(doc) };
    },
  });
}
