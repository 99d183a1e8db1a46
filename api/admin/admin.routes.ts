import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { plans } from '../../core/events/event-catalogue';
import { apiKeyRepository } from '../../core/workspaces/api-key.repository';
import { workspaceRepository } from '../../core/workspaces/workspace.repository';
import { createApiKey } from '../../core/workspaces/create-api-key';
import { createWorkspace } from '../../core/workspaces/create-workspace';
import { emitEvent } from '../../core/events/emit-event';
import { updateWorkspace } from '../../core/workspaces/update-workspace';
import { eventView, eventViewSchema } from '../events/event-views';
import { revokeApiKey } from '../../core/workspaces/revoke-api-key';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { apiKeyView, apiKeyViewSchema, createdApiKeySchema, workspaceView, workspaceViewSchema } from './workspace-views';
import { freeFormObject } from '../../core/ingest/ingest-schemas';
import { createKeyBody } from '../account/api-keys.routes';

const rateLimitsSchema = z.object({ perMinute: z.number().int().positive().optional(), perDay: z.number().int().positive().optional() }).strict();
const webhookSettingsSchema = z
  .object({
    retryScheduleMs: z.array(z.number().int().min(0).max(7 * 86_400_000)).min(1).max(20).optional().meta({ description: 'Delay before each attempt, ms' }),
    timeoutMs: z.number().int().min(100).max(30_000).optional(),
  })
  .strict();

const updateWorkspaceBody = z
  .object({ name: z.string().trim().min(1).max(200).optional(), plan: z.enum(plans).optional(), rateLimits: rateLimitsSchema.optional(), webhookSettings: webhookSettingsSchema.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change' });

const emitEventBody = z
  .object({
    type: z.string().min(1),
    data: freeFormObject(),
    id: z.string().regex(/^evt_[A-Za-z0-9_]{1,60}$/, 'must look like evt_…').optional().meta({ description: 'Idempotency: emitting the same id twice delivers once' }),
  })
  .strict();

const createWorkspaceBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    plan: z.enum(plans).optional().meta({ description: 'Defaults to pro (every event type)' }),
    rateLimits: rateLimitsSchema.optional(),
    webhookSettings: webhookSettingsSchema.optional(),
    withKeys: z.boolean().default(true).meta({ description: 'Also create one secret and one publishable key' }),
  })
  .strict();

const workspaceParams = z.object({ workspaceId: z.string().min(1) });
const keyParams = workspaceParams.extend({ keyId: z.string().min(1) });

/** Operator API under /admin/v1, guarded by SIGNALBOX_ADMIN_TOKEN. The CLI offers the same operations. */
export function registerAdminRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'post',
    path: '/workspaces',
    summary: 'Create a workspace',
    description: 'Stores the workspace, starts its provisioning workflow and, by default, creates a secret and a publishable key (shown once).',
    tags: ['Admin'],
    auth: 'admin',
    body: createWorkspaceBody,
    responses: {
      201: {
        description: 'Created',
        schema: z.object({ workspace: workspaceViewSchema, provisioning: z.enum(['started', 'pending']), workflowId: z.string(), keys: z.array(createdApiKeySchema) }),
      },
    },
    handler: async ({ body }) => {
      const created = await createWorkspace(deps, { name: body.name, plan: body.plan, rateLimits: body.rateLimits, webhookSettings: body.webhookSettings });
      const keys = body.withKeys
        ? await Promise.all((['secret', 'publishable'] as const).map((kind) => createApiKey(deps, { workspaceId: created.workspace._id, kind })))
        : [];
      return {
        status: 201,
        body: {
          workspace: workspaceView(created.workspace),
          provisioning: created.provisioning,
          workflowId: created.workflowId,
          keys: keys.map(({ key, plaintext }) => ({ ...apiKeyView(key), key: plaintext })),
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/workspaces',
    summary: 'List workspaces',
    tags: ['Admin'],
    auth: 'admin',
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    responses: { 200: { description: 'Newest first', schema: z.object({ data: z.array(workspaceViewSchema) }) } },
    handler: async ({ query }) => ({ status: 200, body: { data: (await workspaceRepository.list(query.limit)).map(workspaceView) } }),
  });

  api.route({
    method: 'get',
    path: '/workspaces/:workspaceId',
    summary: 'Get a workspace',
    tags: ['Admin'],
    auth: 'admin',
    params: workspaceParams,
    responses: { 200: { description: 'The workspace', schema: workspaceViewSchema }, 404: { description: 'No such workspace' } },
    handler: async ({ params }) => {
      const workspace = await workspaceRepository.findById(params.workspaceId);
      if (!workspace) throw AppError.notFound('Workspace');
      return { status: 200, body: workspaceView(workspace) };
    },
  });

  api.route({
    method: 'patch',
    path: '/workspaces/:workspaceId',
    summary: 'Change a workspace (plan, rate limits, webhook delivery settings)',
    tags: ['Admin'],
    auth: 'admin',
    params: workspaceParams,
    body: updateWorkspaceBody,
    responses: { 200: { description: 'Updated', schema: workspaceViewSchema }, 404: { description: 'No such workspace' } },
    handler: async ({ params, body }) => ({ status: 200, body: workspaceView(await updateWorkspace(deps, { workspaceId: params.workspaceId, changes: body })) }),
  });

  api.route({
    method: 'post',
    path: '/workspaces/:workspaceId/events',
    summary: 'Emit an event for a workspace',
    description: 'The internal event API over HTTP (operators, tests, benchmarks): validates the payload against its schema, stores it and delivers it to matching subscriptions.',
    tags: ['Admin'],
    auth: 'admin',
    params: workspaceParams,
    body: emitEventBody,
    responses: { 202: { description: 'Stored; deliveries started', schema: z.object({ event: eventViewSchema, deliveryIds: z.array(z.string()) }) }, 404: { description: 'No such workspace' } },
    handler: async ({ params, body }) => {
      if (!(await workspaceRepository.findById(params.workspaceId))) throw AppError.notFound('Workspace');
      const { event, deliveryIds } = await emitEvent(deps, { workspaceId: params.workspaceId, type: body.type, data: body.data, id: body.id });
      return { status: 202, body: { event: eventView(event), deliveryIds } };
    },
  });

  api.route({
    method: 'post',
    path: '/workspaces/:workspaceId/keys',
    summary: 'Create an API key',
    description: 'The full key is in this response only; Signalbox stores just its hash.',
    tags: ['Admin'],
    auth: 'admin',
    params: workspaceParams,
    body: createKeyBody,
    responses: { 201: { description: 'Created', schema: createdApiKeySchema }, 404: { description: 'No such workspace' } },
    handler: async ({ params, body }) => {
      const { key, plaintext } = await createApiKey(deps, { workspaceId: params.workspaceId, ...body });
      return { status: 201, body: { ...apiKeyView(key), key: plaintext } };
    },
  });

  api.route({
    method: 'get',
    path: '/workspaces/:workspaceId/keys',
    summary: "List a workspace's API keys",
    tags: ['Admin'],
    auth: 'admin',
    params: workspaceParams,
    responses: { 200: { description: 'Newest first; keys are never shown again, only their prefix', schema: z.object({ data: z.array(apiKeyViewSchema) }) } },
    handler: async ({ params }) => {
      if (!(await workspaceRepository.findById(params.workspaceId))) throw AppError.notFound('Workspace');
      return { status: 200, body: { data: (await apiKeyRepository.listForWorkspace(params.workspaceId)).map(apiKeyView) } };
    },
  });

  api.route({
    method: 'post',
    path: '/workspaces/:workspaceId/keys/:keyId/revoke',
    summary: 'Revoke an API key',
    description: 'Takes effect on the very next request made with the key.',
    tags: ['Admin'],
    auth: 'admin',
    params: keyParams,
    responses: { 200: { description: 'The revoked key', schema: apiKeyViewSchema }, 404: { description: 'No such key in this workspace' } },
    handler: async ({ params }) => ({ status: 200, body: apiKeyView(await revokeApiKey(deps, { workspaceId: params.workspaceId, keyId: params.keyId })) }),
  });
}
