import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { leadStatuses } from '../../core/leads/lead-status';
import { listQuerySchema, pageSchema, toPage } from '../../core/platform/pagination';
import { leadRepository } from '../../core/leads/lead.repository';
import { updateLead } from '../../core/leads/update-lead';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { leadView, leadViewSchema } from './lead-views';

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
    query: listQuerySchema.extend({ status: z.enum(leadStatuses).optional() }),
    responses: { 200: { description: 'Newest first', schema: pageSchema(leadViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await leadRepository.list(authOf(res).workspace._id, { ...query, limit: query.limit + 1 });
      return { status: 200, body: toPage(rows, query.limit, leadView) };
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
    responses: { 200: { description: 'The lead', schema: leadViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      const lead = await leadRepository.findInWorkspace(authOf(res).workspace._id, params.id);
      if (!lead) throw AppError.notFound('Lead');
      return { status: 200, body: leadView(lead) };
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
      return { status: 200, body: leadView(lead) };
    },
  });
}
