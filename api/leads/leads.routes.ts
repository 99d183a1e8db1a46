import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { leadStatuses } from '../../core/leads/lead-status';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import { leadRepository } from '../../core/leads/lead.repository';
import { updateLead } from '../../core/leads/update-lead';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { leadDetailViewSchema, leadView, leadViewSchema } from './lead-views';
import { enrichmentView } from './lead-scoring-views';
import { enrichmentCallView, enrichmentCallViewSchema } from './enrichment-call-views';
import { listLeadsByGrade } from '../../core/leads/list-leads-by-grade';
import { leadGradeSchema } from '../../core/events/payloads';
import { leadScoreRepository } from '../../core/scoring/lead-score.repository';
import { enrichmentCallRepository } from '../../core/enrichment/enrichment-call.repository';
import { requestEnrichment } from '../../core/enrichment/request-enrichment';
import { getLeadDetail } from '../../core/leads/get-lead-detail';

const idParams = z.object({ id: z.string().min(1).max(100) });

const patchLeadBody = z
  .strictObject({
    status: z.enum(leadStatuses).optional(),
    value: z.number({ error: 'must be a number or null' }).nonnegative().nullable().optional().meta({ description: 'Expected deal value in major currency units; null clears it' }),
  })
  .refine((b) => b.status !== undefined || b.value !== undefined, { message: 'Send at least one of status, value' });

export function registerLeadRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/leads',
    summary: 'List leads',
    description: 'Newest first. Leads are created when a visitor is identified.',
    tags: ['Leads'],
    auth: 'secret',
    scope: 'read',
    query: listQuerySchema.extend({
      status: z.enum(leadStatuses).optional(),
      grade: leadGradeSchema.optional().meta({ description: 'Only leads of this lead-scoring grade. With `status` too, a page may hold fewer than `limit` leads; keep following `nextBefore`.' }),
    }),
    responses: { 200: { description: 'Newest first', schema: pageSchema(leadViewSchema) } },
    handler: async ({ query, res }) => {
      const workspaceId = authOf(res).workspace._id;
      if (query.grade) {
        const { rows, nextBefore } = await listLeadsByGrade({ workspaceId, ...query, grade: query.grade });
        return { status: 200, body: { data: rows.map((r) => leadView(r.lead, r.score)), nextBefore } };
      }
      const rows = await leadRepository.list(workspaceId, { ...query, limit: query.limit + 1 });
      const scores = await leadScoreRepository.findMany(rows.slice(0, query.limit).map((l) => l._id));
      return { status: 200, body: toPage(rows, query.limit, (lead) => leadView(lead, scores.get(lead._id) ?? null)) };
    },
  });

  api.route({
    method: 'get',
    path: '/leads/:id',
    summary: 'Get a lead',
    tags: ['Leads'],
    auth: 'secret',
    scope: 'read',
    params: idParams,
    description: 'With `lead_scoring` (score, grade, reasoning) and `enrichment`: the merged person and company details and, per provider, its status, when it answered and what it found.',
    responses: { 200: { description: 'The lead', schema: leadDetailViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const detail = await getLeadDetail({ workspaceId: authOf(res).workspace._id, leadId: params.id });
      const enrichment = detail.enrichment ? enrichmentView(detail.enrichment.profile, detail.enrichment.providers) : null;
      return { status: 200, body: { ...leadView(detail.lead, detail.score), enrichment } };
    },
  });

  api.route({
    method: 'post',
    path: '/leads/:id/enrich',
    summary: 'Enrich a lead again now',
    description: "Runs every enabled enrichment provider again for the lead's person, bypassing the cache, then re-scores it. Follow it in the Temporal UI (`person-<workspace>-<visitor>`) or on GET /leads/:id.",
    tags: ['Leads'],
    auth: 'secret',
    scope: 'write',
    params: idParams,
    responses: { 202: { description: 'Enrichment requested', schema: z.object({ workflow_id: z.string() }) }, 404: { description: 'Not found' }, 409: { description: 'The lead has no tracked person' } },
    handler: async ({ params, res }) => {
      const { workflowId } = await requestEnrichment(deps, { workspaceId: authOf(res).workspace._id, leadId: params.id });
      return { status: 202, body: { workflow_id: workflowId } };
    },
  });

  api.route({
    method: 'get',
    path: '/leads/:id/enrichment-calls',
    summary: "List a lead's enrichment calls",
    description: 'Every provider call made for the lead (and every cache hit), newest first: provider, outcome, error class, duration and attempt (retries of a provider that is down show up here).',
    tags: ['Leads'],
    auth: 'secret',
    scope: 'read',
    params: idParams,
    query: listQuerySchema.pick({ limit: true, before: true }),
    responses: { 200: { description: 'Newest first', schema: pageSchema(enrichmentCallViewSchema) }, 404: { description: 'Not found' } },
    handler: async ({ params, query, res }) => {
      const lead = await leadRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!lead) throw AppError.notFound('Lead');
      const rows = lead.visitorId ? await enrichmentCallRepository.listForPerson(lead.workspaceId, lead.visitorId, { ...query, limit: query.limit + 1 }) : [];
      return { status: 200, body: toPage(rows, query.limit, enrichmentCallView) };
    },
  });

  api.route({
    method: 'patch',
    path: '/leads/:id',
    summary: "Update a lead's status or value",
    description: 'Fires `lead.updated` with the changed fields when something actually changed; sending the current values changes nothing and fires nothing.',
    tags: ['Leads'],
    auth: 'secret',
    scope: 'write',
    params: idParams,
    body: patchLeadBody,
    responses: { 200: { description: 'The lead as it is now', schema: leadViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, body, res }) => {
      const lead = await updateLead(deps, { workspaceId: authOf(res).workspace._id, leadId: params.id, patch: body });
      return { status: 200, body: leadView(lead, await leadScoreRepository.findById(lead._id)) };
    },
  });
}
