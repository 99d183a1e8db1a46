import { z } from 'zod';
import { publicUrl } from '../../core/platform/config';
import { createPortalSession, PORTAL_MAX_SUBSCRIPTIONS } from '../../core/portal/create-portal-session';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';

const createBody = z
  .object({
    subscription_ids: z.array(z.string().min(1)).min(1).max(PORTAL_MAX_SUBSCRIPTIONS).optional().meta({ description: "Default: every subscription the workspace has now (at most 50)" }),
    ttl_seconds: z.number().int().min(60).max(86_400).default(3600).meta({ description: 'How long the link, and the session it opens, last' }),
  })
  .strict();

const createdSchema = z.object({
  url: z.string().meta({ description: 'The one-time portal link: `<PUBLIC_URL>/portal/<token>`. Hand it to your subscriber; it works once.' }),
  token_expires_at: isoDate,
  subscription_ids: z.array(z.string()),
});

/** Issuing a portal link (the customer's server calls this for one of its subscribers). */
export function registerPortalSessionRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'post',
    path: '/portal-sessions',
    summary: 'Open a subscriber portal session',
    description:
      'Returns a one-time link to the subscriber portal, limited to the given webhook subscriptions. Opening it sets a session cookie that ends when the link would have expired. ' +
      'A subscription id not in this workspace → 404 naming its index.',
    tags: ['Webhooks'],
    auth: 'secret',
    scope: 'webhooks',
    body: createBody,
    responses: { 201: { description: 'Created', schema: createdSchema }, 404: { description: 'A subscription id not found' } },
    handler: async ({ body, res }) => {
      const { token, expiresAt, subscriptionIds } = await createPortalSession(deps, {
        workspaceId: authOf(res).workspace._id,
        subscriptionIds: body.subscription_ids,
        ttlSeconds: body.ttl_seconds,
      });
      const url = `${publicUrl(deps.config).replace(/\/+$/, '')}/portal/${token}`;
      return { status: 201, body: { url, token_expires_at: expiresAt.toISOString(), subscription_ids: subscriptionIds } };
    },
  });
}
