import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { listQuerySchema, pageSchema, toPageBy, type Cursor } from '../../core/platform/pagination';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { timelineOf } from '../../core/visitors/timeline';
import type { Activity } from '../../core/visitors/visitor-types';
import type { ApiDeps } from '../deps';
import { segmentStandingRepository } from '../../core/segments/segment-standing.repository';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { selectByFirstActivity } from '../http/common-schemas';
import { activityView, activityViewSchema, attributionView, attributionViewSchema, visitorViewSchema, visitorViewsOf, type VisitorView } from './visitor-views';

const visitorParams = z.object({
  visitor: z.string().min(1).max(320).meta({ description: 'Visitor id (`vis_…`) or email address', example: 'vis_3f9c2a7d41e0b8c6a5d2e1f0' }),
});
const visitorListQuery = listQuerySchema.extend({ select_by_first_activity: selectByFirstActivity });

export function registerVisitorRoutes(api: ApiRouter, _deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/visitors',
    summary: 'List visitors',
    description: 'People and anonymous visitors, most recently active first. Visitors merged into a person appear only as that person.',
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'read',
    query: visitorListQuery,
    responses: { 200: { description: 'Most recently active first', schema: pageSchema(visitorViewSchema) } },
    handler: async ({ query, res }) => {
      const byFirstActivity = query.select_by_first_activity;
      const rows = await visitorRepository.list(authOf(res).workspace._id, { ...query, byFirstActivity, limit: query.limit + 1 });
      const cursorOf = (v: VisitorDoc) => ({ at: (byFirstActivity ? v.firstSeenAt : v.lastSeenAt) ?? v.createdAt, id: v._id });
      const views = await visitorViewsOf(rows.slice(0, query.limit));
      return { status: 200, body: toPageBy(rows, query.limit, (v) => views.get(v._id) as VisitorView, cursorOf) };
    },
  });

  // Before `/visitors/:visitor…` so `attribution` is never taken for a visitor id.
  for (const path of ['/visitors/attribution/:visitor', '/visitors/:visitor/attribution']) {
    api.route({
      method: 'get',
      path,
      summary: path.startsWith('/visitors/attribution') ? 'Get a visitor with attribution (Salespanel path)' : 'Get a visitor with attribution',
      description: 'The visitor plus first- and last-touch attribution. By id or email; a merged visitor answers as the person.',
      tags: ['Visitors'],
      auth: 'secret',
      scope: 'read',
      params: visitorParams,
      responses: { 200: { description: 'The visitor with attribution_details', schema: attributionViewSchema }, 404: { description: 'Not found' } },
      handler: async ({ params, res }) => {
        const visitor = await findVisitor(authOf(res).workspace._id, params.visitor);
        return { status: 200, body: attributionView(visitor, (await segmentStandingRepository.qualifiedFor([visitor._id])).get(visitor._id)) };
      },
    });
  }

  api.route({
    method: 'get',
    path: '/visitors/:visitor',
    summary: 'Get a visitor',
    description: 'By visitor id or email. A visitor merged into a person answers as that person.',
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'read',
    params: visitorParams,
    responses: { 200: { description: 'The visitor', schema: visitorViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const visitor = await findVisitor(authOf(res).workspace._id, params.visitor);
      return { status: 200, body: (await visitorViewsOf([visitor])).get(visitor._id) as VisitorView };
    },
  });

  api.route({
    method: 'get',
    path: '/visitors/:visitor/activities',
    summary: "List a visitor's activities",
    description: "Page views (`links`), custom activities and emails, newest first, across every device merged into the person. `page_duration` is computed at read time.",
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'read',
    params: visitorParams,
    query: listQuerySchema,
    responses: { 200: { description: 'Newest first', schema: pageSchema(activityViewSchema) }, 404: { description: 'Not found' } },
    handler: async ({ params, query, res }) => {
      const person = await findVisitor(authOf(res).workspace._id, params.visitor);
      const entries = (await timelineOf(person)).filter((e) => isOlder(e.activity, query.before) && (!query.since || e.activity.at >= query.since.getTime()));
      const page = toPageBy(entries.slice(0, query.limit + 1), query.limit, (e) => activityView(e.activity, e.pageDuration), (e) => ({ at: new Date(e.activity.at), id: e.activity.id }));
      return { status: 200, body: page };
    },
  });
}

async function findVisitor(workspaceId: string, idOrEmail: string): Promise<VisitorDoc> {
  const visitor = await visitorRepository.findByIdentifier(workspaceId, idOrEmail);
  if (!visitor) throw AppError.notFound('Visitor');
  return visitor;
}

/** Strictly after the cursor in newest-first order (time, then id, descending). */
function isOlder(a: Activity, cursor: Cursor | undefined): boolean {
  if (!cursor) return true;
  const at = cursor.createdAt.getTime();
  return a.at < at || (a.at === at && cursor.id !== undefined && a.id < cursor.id);
}
