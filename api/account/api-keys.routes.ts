import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { apiKeyKinds } from '../../core/workspaces/api-keys';
import { apiKeyRepository } from '../../core/workspaces/api-key.repository';
import { createApiKey } from '../../core/workspaces/create-api-key';
import { revokeApiKey } from '../../core/workspaces/revoke-api-key';
import { apiKeyScopes, keyAllows } from '../../core/workspaces/scopes';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { apiKeyView, apiKeyViewSchema, createdApiKeySchema } from '../admin/workspace-views';

/** Shared with the admin API's key creation. */
export const createKeyBody = z
  .object({
    kind: z.enum(apiKeyKinds),
    name: z.string().trim().min(1).max(200).optional(),
    scopes: z.array(z.enum(apiKeyScopes)).optional(),
  })
  .strict();

const keyParams = z.object({ id: z.string().min(1) });

/** A workspace's own keys (the console's Keys page): the same use-cases as the admin API, within the caller's workspace. */
export function registerApiKeyRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Account'], auth: 'secret', scope: 'write' } as const;

  api.route({
    ...common,
    method: 'get',
    path: '/keys',
    summary: "List the workspace's API keys",
    responses: { 200: { description: 'Newest first; keys are never shown again, only their prefix', schema: z.object({ data: z.array(apiKeyViewSchema) }) } },
    handler: async ({ res }) => ({ status: 200, body: { data: (await apiKeyRepository.listForWorkspace(authOf(res).workspace._id)).map(apiKeyView) } }),
  });

  api.route({
    ...common,
    method: 'post',
    path: '/keys',
    summary: 'Create an API key',
    description: 'The full key is in this response only; Signalbox stores just its hash. A key limited to some scopes can only create keys limited to those scopes (or fewer).',
    body: createKeyBody,
    responses: { 201: { description: 'Created', schema: createdApiKeySchema }, 403: { description: 'More scopes than the calling key has' } },
    handler: async ({ body, res }) => {
      const { workspace, key: caller } = authOf(res);
      const wanted = body.kind === 'publishable' ? ['ingest' as const] : body.scopes;
      // An unrestricted new key (no scopes) is every scope: only an unrestricted caller may create one.
      const exceeds = wanted === undefined || wanted.length === 0 ? caller.scopes.length > 0 : wanted.some((scope) => !keyAllows(caller.kind, caller.scopes, scope));
      if (exceeds) throw new AppError('forbidden', 'A key cannot create a key with more scopes than its own');
      const { key, plaintext } = await createApiKey(deps, { workspaceId: workspace._id, ...body });
      return { status: 201, body: { ...apiKeyView(key), key: plaintext } };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/keys/:id/revoke',
    summary: 'Revoke an API key',
    description: 'Takes effect on the very next request made with the key, and ends console sessions signed in with it.',
    params: keyParams,
    responses: { 200: { description: 'The revoked key', schema: apiKeyViewSchema }, 404: { description: 'No such key in this workspace' } },
    handler: async ({ params, res }) => ({ status: 200, body: apiKeyView(await revokeApiKey(deps, { workspaceId: authOf(res).workspace._id, keyId: params.id })) }),
  });
}
