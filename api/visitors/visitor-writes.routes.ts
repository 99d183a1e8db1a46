import type { Response } from 'express';
import { z } from 'zod';
import { freeFormObject, identifyBodySchema, storableLabel } from '../../core/ingest/ingest-schemas';
import { enqueueVisitorCommands, resolveVisitorTarget, type VisitorCommand } from '../../core/visitors/enqueue-visitor-command';
import { setVisitorAttributes } from '../../core/visitors/set-visitor-attributes';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';

const visitorParams = z.object({ visitor: z.string().min(1).max(254).meta({ description: 'Visitor id (`vis_…`) or email' }) });
const queuedSchema = z.object({ success: z.literal(true), id: z.string().meta({ description: 'Id of the queued change' }), visitor_id: z.string() });
const queuedDescription = 'Applied asynchronously, in order with the visitor’s tracked events (202 once stored).';

const attributeValue = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);
const tag = z.string().trim().min(1).max(100);
/** A sender's clock may run a little ahead of ours. */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

const visitorIdentifier = z.string().min(1).max(254).meta({ description: 'Visitor id or email' });

/** Queues one command for the visitor an id or email names: the 202 body of every write here. */
async function queueForVisitor(deps: ApiDeps, res: Response, identifier: string, command: VisitorCommand) {
  const workspaceId = authOf(res).workspace._id;
  const target = await resolveVisitorTarget(workspaceId, identifier);
  const [id] = await enqueueVisitorCommands(deps, { workspaceId, target, commands: [command] });
  return { status: 202 as const, body: { success: true as const, id, visitor_id: target.visitorId } };
}

export function registerVisitorWriteRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'post',
    path: '/visitors/:visitor/identify',
    summary: 'Identify a visitor',
    description: `Attach an email and/or customer id (and person details). If another visitor already is that person, this visitor's history is merged into it; two identified people are never merged. The first identification creates a lead. ${queuedDescription}`,
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'write',
    params: visitorParams,
    body: identifyBodySchema,
    responses: { 202: { description: 'Queued', schema: queuedSchema }, 404: { description: 'Visitor not found' } },
    handler: ({ params, body, res }) => queueForVisitor(deps, res, params.visitor, { type: 'identify', data: body }),
  });

  api.route({
    method: 'post',
    path: '/visitor-attributes',
    summary: 'Set custom visitor attributes',
    description: `Salespanel-compatible. Each attribute's type (string, number, decimal, boolean) is fixed for the workspace by its first value; a value of another type is a 400 naming the attribute. With \`create_new\`, an unknown email creates an identified visitor. ${queuedDescription}`,
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'write',
    body: z.strictObject({
      visitor_identifier: visitorIdentifier,
      visitor_attributes: z.record(storableLabel, attributeValue).refine((a) => Object.keys(a).length > 0 && Object.keys(a).length <= 50, 'between 1 and 50 attributes'),
      create_new: z.boolean().default(false),
    }),
    responses: { 202: { description: 'Queued', schema: queuedSchema }, 404: { description: 'Visitor not found (and create_new not set, or the identifier is not an email)' } },
    handler: async ({ body, res }) => {
      const result = await setVisitorAttributes(deps, { workspaceId: authOf(res).workspace._id, visitorIdentifier: body.visitor_identifier, attributes: body.visitor_attributes, createNew: body.create_new });
      return { status: 202, body: { success: true, id: result.id, visitor_id: result.visitorId } };
    },
  });

  api.route({
    method: 'post',
    path: '/visitors/:visitor/tags',
    summary: 'Add or remove visitor tags',
    description: queuedDescription,
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'write',
    params: visitorParams,
    body: z.strictObject({ add: z.array(tag).max(50).default([]), remove: z.array(tag).max(50).default([]) }).refine((b) => b.add.length + b.remove.length > 0, { message: 'add or remove at least one tag', path: ['add'] }),
    responses: { 202: { description: 'Queued', schema: queuedSchema }, 404: { description: 'Visitor not found' } },
    handler: ({ params, body, res }) => queueForVisitor(deps, res, params.visitor, { type: 'set_tags', data: body }),
  });

  api.route({
    method: 'post',
    path: '/custom-activity/create',
    summary: 'Log a custom activity',
    description: `Salespanel-compatible: adds a \`custom_activity\` entry to the visitor's timeline. ${queuedDescription}`,
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'write',
    body: z.strictObject({
      visitor_identifier: visitorIdentifier,
      category: z.string().trim().min(1).max(200),
      label: z.string().trim().min(1).max(200),
      activity_identifier: z.string().max(500).optional(),
      metadata: freeFormObject().default({}),
    }),
    responses: { 202: { description: 'Queued', schema: queuedSchema }, 404: { description: 'Visitor not found' } },
    handler: ({ body: { visitor_identifier, ...activity }, res }) =>
      queueForVisitor(deps, res, visitor_identifier, { type: 'custom_activity', data: { ...activity, activity_identifier: activity.activity_identifier ?? null } }),
  });

  api.route({
    method: 'post',
    path: '/email-activity/create',
    summary: 'Log an email activity',
    description: `Adds an \`email\` entry (an email the visitor opened or clicked, from your email tool) to the visitor's timeline. ${queuedDescription}`,
    tags: ['Visitors'],
    auth: 'secret',
    scope: 'write',
    body: z.strictObject({
      visitor_identifier: visitorIdentifier,
      subject: z.string().trim().min(1).max(500).meta({ description: 'Subject line of the email' }),
      opened_at: z.iso
        .datetime({ offset: true, error: 'must be an ISO 8601 timestamp' })
        .refine((at) => Date.parse(at) <= Date.now() + MAX_CLOCK_AHEAD_MS, 'must not be in the future')
        .optional()
        .meta({ description: 'When the email was opened (ISO 8601); default: now' }),
    }),
    responses: { 202: { description: 'Queued', schema: queuedSchema }, 404: { description: 'Visitor not found' } },
    handler: ({ body, res }) =>
      queueForVisitor(deps, res, body.visitor_identifier, { type: 'email_activity', data: { subject: body.subject }, timestamp: body.opened_at ? Date.parse(body.opened_at) : undefined }),
  });
}
