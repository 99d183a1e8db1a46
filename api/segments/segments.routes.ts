import { z } from 'zod';
import { segmentRulesSchema } from '../../core/segments/segment-rules';
import type { SegmentDoc } from '../../core/segments/segment.model';
import { segmentRepository } from '../../core/segments/segment.repository';
import type { SegmentBackfillDoc } from '../../core/segments/segment-backfill.model';
import { segmentBackfillRepository } from '../../core/segments/segment-backfill.repository';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { restartSegmentBackfill } from '../../core/segments/start-segment-backfill';
import { getSegment } from '../../core/segments/get-segment';
import { createSegment, deleteSegment, MAX_SEGMENTS_PER_WORKSPACE, updateSegment } from '../../core/segments/save-segment';
import type { ApiDeps } from '../deps';
import { listQuerySchema, pageSchema, toPageBy } from '../../core/platform/pagination';
import { segmentMemberRepository } from '../../core/segments/segment-member.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { visitorViewSchema, visitorViewsOf } from '../visitors/visitor-views';
import { companyViewSchema, companyViewsOf } from '../companies/company-views';
import { companyRepository } from '../../core/companies/company.repository';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';

const backfillViewSchema = z
  .object({
    workflow_id: z.string().meta({ description: 'The `segment-backfill-…` workflow: open it in the Temporal UI' }),
    status: z.enum(['starting', 'not_started', 'running', 'completed', 'superseded']).meta({ description: '`starting`: the rules just changed and the backfill is about to record its start; `not_started`: the workflow service could not be reached then (POST /segments/:id/backfill starts it)' }),
    processed: z.number().int(),
    total: z.number().int().nullable().meta({ description: 'People (or companies) to evaluate: null until counted (alongside the first slice, from the leads for people); once completed, how many were evaluated' }),
    qualified: z.number().int().meta({ description: 'Members found so far' }),
    started_at: isoDate.nullable(),
    finished_at: isoDate.nullable(),
  })
  .meta({ id: 'SegmentBackfill', description: "Progress of the backfill of the segment's current rules: every existing person (or company) evaluated" });

const segmentViewSchema = z
  .object({
    segment_id: z.string().meta({ example: 'seg_4kT9wQ2mZp8vLx3nRb7c' }),
    name: z.string(),
    entity: z.enum(['person', 'company']).meta({ description: 'What the segment qualifies: people, or companies from the behaviour of their people' }),
    rules: segmentRulesSchema,
    emit_on_backfill: z.boolean().meta({ description: 'Whether members found by a backfill (after a create or rules edit) are announced by webhook' }),
    version: z.number().int().meta({ description: 'Counts rules edits' }),
    created_on: isoDate,
    last_modified_on: isoDate,
    backfill: backfillViewSchema.nullable(),
  })
  .meta({ id: 'Segment' });

const segmentBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  entity: z.enum(['person', 'company']).default('person'),
  rules: segmentRulesSchema,
  emit_on_backfill: z.boolean().default(false),
});
const segmentPatch = z
  .strictObject({ name: z.string().trim().min(1).max(200).optional(), rules: segmentRulesSchema.optional(), emit_on_backfill: z.boolean().optional() })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'name one field to change: name, rules or emit_on_backfill' });
const segmentParams = z.object({ id: z.string().min(1).max(100) });

function segmentView(doc: SegmentDoc, backfill: SegmentBackfillDoc | null): z.infer<typeof segmentViewSchema> {
  return { segment_id: doc._id, name: doc.name, entity: doc.entity, rules: doc.rules, emit_on_backfill: doc.emitOnBackfill, version: doc.version, created_on: doc.createdAt.toISOString(), last_modified_on: doc.updatedAt.toISOString(), backfill: backfillView(doc, backfill) };
}

/** What the backfill of the segment's current version recorded; one of an older version means the new one is starting. */
function backfillView(segment: SegmentDoc, b: SegmentBackfillDoc | null): z.infer<typeof backfillViewSchema> {
  if (!b || b.version !== segment.version) return { workflow_id: workflowIds.segmentBackfill(segment._id), status: 'starting', processed: 0, total: null, qualified: 0, started_at: null, finished_at: null };
  return { workflow_id: b.workflowId, status: b.status, processed: b.processed, total: b.total, qualified: b.qualified, started_at: b.startedAt.toISOString(), finished_at: b.finishedAt?.toISOString() ?? null };
}

async function segmentViews(docs: readonly SegmentDoc[]): Promise<Array<z.infer<typeof segmentViewSchema>>> {
  const backfills = await Promise.all(docs.map((d) => segmentBackfillRepository.findById(d._id)));
  return docs.map((d, i) => segmentView(d, backfills[i]));
}

/** Segments (Salespanel's `/api/v1/segments/`): rules that qualify people or companies. */
export function registerSegmentRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Segments'], auth: 'secret' } as const;

  api.route({
    ...common,
    scope: 'read',
    method: 'get',
    path: '/segments',
    summary: 'List segments',
    description: `Newest first; a workspace has at most ${MAX_SEGMENTS_PER_WORKSPACE}.`,
    responses: { 200: { description: 'The segments', schema: z.object({ data: z.array(segmentViewSchema) }) } },
    handler: async ({ res }) => ({ status: 200, body: { data: await segmentViews(await segmentRepository.listForWorkspace(authOf(res).workspace._id, MAX_SEGMENTS_PER_WORKSPACE)) } }),
  });

  api.route({
    ...common,
    scope: 'write',
    method: 'post',
    path: '/segments',
    summary: 'Create a segment',
    description: 'Rules are nested `all` / `any` groups of conditions; a bad condition is refused with its path (e.g. `rules.all.1.any.0.value`). Starts a backfill that evaluates every existing person (or company): its progress is `backfill`.',
    body: segmentBody,
    responses: { 201: { description: 'Created', schema: segmentViewSchema }, 409: { description: `The workspace already has ${MAX_SEGMENTS_PER_WORKSPACE} segments` } },
    handler: async ({ body, res }) => {
      const doc = await createSegment(deps, { workspaceId: authOf(res).workspace._id, name: body.name, entity: body.entity, rules: body.rules, emitOnBackfill: body.emit_on_backfill });
      return { status: 201, body: (await segmentViews([doc]))[0] };
    },
  });

  api.route({
    ...common,
    scope: 'read',
    method: 'get',
    path: '/segments/:id',
    summary: 'Get a segment',
    params: segmentParams,
    responses: { 200: { description: 'The segment', schema: segmentViewSchema }, 404: { description: 'No such segment in this workspace' } },
    handler: async ({ params, res }) => ({ status: 200, body: (await segmentViews([await getSegment(deps, { workspaceId: authOf(res).workspace._id, id: params.id })]))[0] }),
  });

  api.route({
    ...common,
    scope: 'read',
    method: 'get',
    path: '/segments/:id/members',
    summary: "List a segment's members",
    description: 'The people (or companies) in the segment now, newest members first, as visitor (or company) objects. Page with `nextBefore`.',
    params: segmentParams,
    query: listQuerySchema.pick({ limit: true, before: true }),
    responses: { 200: { description: 'Newest members first: visitor objects (person segments) or company objects (company segments)', schema: pageSchema(z.union([visitorViewSchema, companyViewSchema])) }, 404: { description: 'No such segment in this workspace' } },
    handler: async ({ params, query, res }) => {
      const workspaceId = authOf(res).workspace._id;
      const segment = await getSegment(deps, { workspaceId, id: params.id });
      const rows = await segmentMemberRepository.page(workspaceId, segment._id, { limit: query.limit + 1, before: query.before });
      const ids = rows.slice(0, query.limit).map((r) => r.memberId);
      const views: Map<string, z.infer<typeof visitorViewSchema> | z.infer<typeof companyViewSchema>> =
        segment.entity === 'company' ? await companyViewsOf([...(await companyRepository.findMany(ids)).values()]) : await visitorViewsOf([...(await visitorRepository.findMany(ids)).values()]);
      // A member that is gone (retention) is left out of the page, not shown empty.
      const page = toPageBy(rows, query.limit, (r) => r, (r) => ({ at: r.since, id: r._id }));
      const data = page.data.flatMap((r) => views.get(r.memberId) ?? []);
      return { status: 200, body: { data, nextBefore: page.nextBefore } };
    },
  });

  api.route({
    ...common,
    scope: 'write',
    method: 'post',
    path: '/segments/:id/backfill',
    summary: "Run a segment's backfill again",
    description: 'Evaluates every existing person (or company) again under the current rules, in a new `segment-backfill-…` run (one still running is replaced). Progress is `backfill` on GET /segments/:id.',
    params: segmentParams,
    responses: { 202: { description: 'Started', schema: segmentViewSchema }, 404: { description: 'No such segment in this workspace' }, 503: { description: 'The workflow service could not be reached' } },
    handler: async ({ params, res }) => {
      const segment = await getSegment(deps, { workspaceId: authOf(res).workspace._id, id: params.id });
      await restartSegmentBackfill(deps, segment);
      return { status: 202, body: segmentView(segment, null) };
    },
  });

  api.route({
    ...common,
    scope: 'write',
    method: 'patch',
    path: '/segments/:id',
    summary: 'Change a segment',
    description: 'Its name, rules or backfill setting (the entity is fixed). A rules change counts as a new version and starts its backfill, replacing one still running.',
    params: segmentParams,
    body: segmentPatch,
    responses: { 200: { description: 'The segment as changed', schema: segmentViewSchema }, 404: { description: 'No such segment in this workspace' } },
    handler: async ({ params, body, res }) => {
      const doc = await updateSegment(deps, { workspaceId: authOf(res).workspace._id, id: params.id, name: body.name, rules: body.rules, emitOnBackfill: body.emit_on_backfill });
      return { status: 200, body: (await segmentViews([doc]))[0] };
    },
  });

  api.route({
    ...common,
    scope: 'write',
    method: 'delete',
    path: '/segments/:id',
    summary: 'Delete a segment',
    params: segmentParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such segment in this workspace' } },
    handler: async ({ params, res }) => {
      await deleteSegment(deps, { workspaceId: authOf(res).workspace._id, id: params.id });
      return { status: 204 };
    },
  });
}
