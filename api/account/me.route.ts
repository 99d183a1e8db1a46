import { z } from 'zod';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { apiKeyKinds } from '../../core/workspaces/api-keys';

const meResponseSchema = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string(), plan: z.string() }),
    key: z.object({ id: z.string(), kind: z.enum(apiKeyKinds), prefix: z.string(), scopes: z.array(z.string()) }),
    availableEvents: z.array(z.string()).meta({ description: 'Event types this workspace may subscribe to' }),
  })
  .meta({ id: 'Me' });

/** Auth test for integrations (Zapier, Make, n8n): who this key is and what it may subscribe to. */
export function registerMeRoute(api: ApiRouter): void {
  api.route({
    method: 'get',
    path: '/me',
    summary: 'Identify the calling key',
    description: 'Returns the workspace and key behind the credentials. Use it to test authentication.',
    tags: ['Account'],
    auth: 'key',
    responses: { 200: { description: 'The key and its workspace', schema: meResponseSchema } },
    handler: async ({ res }) => {
      const { workspace, key } = authOf(res);
      return {
        status: 200,
        body: {
          workspace: { id: workspace._id, name: workspace.name, plan: workspace.plan },
          key: { id: key._id, kind: key.kind, prefix: key.displayPrefix, scopes: key.scopes },
          availableEvents: workspace.entitledEventTypes,
        } satisfies z.infer<typeof meResponseSchema>,
      };
    },
  });
}
