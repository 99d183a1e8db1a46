import { z } from 'zod';
import { publicUrl } from '../../core/platform/config';
import { AppError } from '../../core/platform/errors';
import { pageSchema, toPage } from '../../core/platform/pagination';
import { csrfTokenFor } from '../../core/platform/session-secrets';
import { exchangePortalToken } from '../../core/portal/exchange-portal-token';
import { endPortalSession } from '../../core/portal/resolve-portal-session';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { initialHealth } from '../../core/webhooks/endpoint-health';
import { endpointStateRepository } from '../../core/webhooks/endpoint-state.repository';
import { getEndpointHealth } from '../../core/webhooks/get-endpoint-health';
import { getDeliveryRecovery, startDeliveryRecovery } from '../../core/webhooks/recover-deliveries';
import { retryDelivery } from '../../core/webhooks/retry-delivery';
import { rotateWebhookSecret } from '../../core/webhooks/rotate-webhook-secret';
import { sendTestEvent } from '../../core/webhooks/send-test-event';
import type { DeliveryDoc } from '../../core/webhooks/delivery.model';
import type { WebhookSubscriptionDoc } from '../../core/webhooks/webhook-subscription.model';
import { webhookSubscriptionRepository } from '../../core/webhooks/webhook-subscription.repository';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { errorResponseSchema, isoDate } from '../http/common-schemas';
import { retryResultSchema } from '../webhooks/deliveries.routes';
import {
  deliveryView,
  deliveryViewSchema,
  deliveryWithAttemptsSchema,
  deliveryWithAttemptsView,
  endpointHealthPageSchema,
  endpointHealthPageView,
  recoveryViewSchema,
  subscriptionView,
  subscriptionViewSchema,
} from '../webhooks/webhook-views';
import { deliveryListFilter, deliveryListQuery, idParams, recoverBody, recoveryStartedSchema, rotatedSecretSchema, rotatedSecretView, rotateSecretBody, testEventSchema, viewWithHealth } from '../webhooks/webhooks.routes';
import { portalOf, type PortalContext } from './portal-auth';
import { clearedSessionCookie, PORTAL_COOKIE, sessionCookie } from '../http/session-cookie';

const sessionSchema = z.object({
  csrf_token: z.string().meta({ description: 'Send as the `x-csrf-token` header on every POST/PUT/PATCH/DELETE under /portal/api' }),
  workspace_id: z.string(),
  subscription_ids: z.array(z.string()),
  expires_at: isoDate,
});
const notFound = { description: 'Not found, or not part of this portal session' };
const csrfFailed = { description: '`csrf_failed`: the `x-csrf-token` header is missing or wrong', schema: errorResponseSchema };

/**
 * Scoping: a subscription outside the session is a 404 even when the workspace has it. Past this
 * check every route calls the same use-case as the API, with the session's workspace.
 */
function scopedSubscriptionId({ session }: PortalContext, id: string): string {
  if (!session.subscriptionIds.includes(id)) throw AppError.notFound('Webhook subscription');
  return id;
}

async function scopedSubscription(portal: PortalContext, id: string): Promise<WebhookSubscriptionDoc> {
  const sub = await webhookSubscriptionRepository.findInWorkspace(portal.session.workspaceId, scopedSubscriptionId(portal, id));
  if (!sub) throw AppError.notFound('Webhook subscription');
  return sub;
}

async function scopedDelivery(portal: PortalContext, id: string): Promise<DeliveryDoc> {
  const delivery = await deliveryRepository.findInWorkspace(portal.session.workspaceId, id);
  if (!delivery || !portal.session.subscriptionIds.includes(delivery.subscriptionId)) throw AppError.notFound('Delivery');
  return delivery;
}

/** The link exchange (`/portal/:token`) and the session's API (`/portal/api/…`). */
export function registerPortalRoutes(api: ApiRouter, deps: ApiDeps): void {
  registerPortalEntry(api, deps);
  registerPortalSignOut(api, deps);
  registerPortalEndpointRoutes(api, deps);
  registerPortalDeliveryRoutes(api, deps);
  registerPortalWriteRoutes(api, deps);
}

/** The portal page (api/web/web.routes.ts); it reads the session from /portal/api/session. */
const PORTAL_PAGE = '/portal/';
/** Where a browser lands when its link is refused: the page explains it (a fixed reason, nothing echoed). */
const PORTAL_REFUSED = '/portal/?link=refused';

function registerPortalEntry(api: ApiRouter, deps: ApiDeps): void {
  const secureCookie = publicUrl(deps.config).startsWith('https:');
  api.route({
    method: 'get',
    path: '/:token',
    summary: 'Open a portal link',
    description: 'Exchanges the one-time token for a session cookie and redirects (303) to the portal page (`/portal/`). A used, unknown or expired token never opens a session: 401 JSON for API clients, or, for a browser (that prefers `text/html`), a 303 to `/portal/?link=refused`, a page that says so.',
    tags: ['Subscriber portal'],
    auth: 'none',
    params: z.object({ token: z.string().max(200) }),
    responses: {
      303: { description: 'Session opened: cookie set, redirect to /portal/ (or, for a browser, the link was refused: redirect to /portal/?link=refused, no cookie)' },
      401: { description: 'Used, unknown or expired link' },
    },
    handler: async ({ params, req }) => {
      // no-referrer: the token is in this URL; no-store: nothing here is worth caching.
      const common = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
      try {
        const { sessionId, expiresAt } = await exchangePortalToken(deps, { token: params.token });
        return { status: 303, headers: { ...common, location: PORTAL_PAGE, 'set-cookie': sessionCookie(PORTAL_COOKIE, sessionId, expiresAt, { secure: secureCookie, embeddable: true }) } };
      } catch (err) {
        if (err instanceof AppError && err.code === 'unauthorized' && req.accepts(['json', 'html']) === 'html') return { status: 303, headers: { ...common, location: PORTAL_REFUSED } };
        throw err;
      }
    },
  });

  api.route({
    method: 'get',
    path: '/api/session',
    summary: 'The portal session',
    description: 'Its subscriptions, expiry and the CSRF token that writes must send.',
    tags: ['Subscriber portal'],
    auth: 'portal',
    responses: { 200: { description: 'The session', schema: sessionSchema } },
    handler: async ({ res }) => {
      const { session, sessionId } = portalOf(res);
      const body = { csrf_token: csrfTokenFor(sessionId, 'portal'), workspace_id: session.workspaceId, subscription_ids: session.subscriptionIds, expires_at: session.expiresAt.toISOString() };
      return { status: 200, body, headers: { 'cache-control': 'no-store' } };
    },
  });
}

/** Ending a portal session early (the page's "sign out", or a shared computer). */
function registerPortalSignOut(api: ApiRouter, deps: ApiDeps): void {
  const secureCookie = publicUrl(deps.config).startsWith('https:');
  api.route({
    method: 'delete',
    path: '/api/session',
    summary: 'End the portal session',
    description: 'The session ends at once (needs `x-csrf-token`) and its cookie is cleared; the link that opened it stays used.',
    tags: ['Subscriber portal'],
    auth: 'portal',
    responses: { 204: { description: 'Ended' }, 403: csrfFailed },
    handler: async ({ res }) => {
      await endPortalSession(deps, { sessionId: portalOf(res).sessionId });
      return { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': clearedSessionCookie(PORTAL_COOKIE, { secure: secureCookie, embeddable: true }) } };
    },
  });
}

function registerPortalEndpointRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Subscriber portal'], auth: 'portal' } as const;
  api.route({
    ...common,
    method: 'get',
    path: '/api/webhooks',
    summary: "The session's endpoints",
    description: 'The subscriptions of this session that still exist, newest first (one page).',
    responses: { 200: { description: 'Newest first', schema: pageSchema(subscriptionViewSchema) } },
    handler: async ({ res }) => {
      const { session } = portalOf(res);
      const found = await Promise.all(session.subscriptionIds.map((id) => webhookSubscriptionRepository.findInWorkspace(session.workspaceId, id)));
      const rows = found.filter((s) => s !== null).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      const health = await endpointStateRepository.healthOf(rows.map((r) => r._id), new Date());
      return { status: 200, body: toPage(rows, rows.length, (r) => subscriptionView(r, health.get(r._id) ?? initialHealth(r.createdAt))) };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/api/webhooks/:id',
    summary: 'One endpoint',
    params: idParams,
    responses: { 200: { description: 'The subscription', schema: subscriptionViewSchema }, 404: notFound },
    handler: async ({ params, res }) => ({ status: 200, body: await viewWithHealth(await scopedSubscription(portalOf(res), params.id)) }),
  });

  api.route({
    ...common,
    method: 'get',
    path: '/api/webhooks/:id/health',
    summary: "An endpoint's health",
    params: idParams,
    responses: { 200: { description: 'Health', schema: endpointHealthPageSchema }, 404: notFound },
    handler: async ({ params, res }) => {
      const portal = portalOf(res);
      const report = await getEndpointHealth(deps, { workspaceId: portal.session.workspaceId, subscriptionId: scopedSubscriptionId(portal, params.id) });
      return { status: 200, body: endpointHealthPageView(report) };
    },
  });
}

function registerPortalDeliveryRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Subscriber portal'], auth: 'portal' } as const;
  api.route({
    ...common,
    method: 'get',
    path: '/api/webhooks/:id/deliveries',
    summary: "An endpoint's deliveries",
    params: idParams,
    query: deliveryListQuery,
    responses: { 200: { description: 'Newest first', schema: pageSchema(deliveryViewSchema) }, 404: notFound },
    handler: async ({ params, query, res }) => {
      const portal = portalOf(res);
      const sub = await scopedSubscription(portal, params.id);
      const rows = await deliveryRepository.list(portal.session.workspaceId, deliveryListFilter(query, sub._id));
      return { status: 200, body: toPage(rows, query.limit, deliveryView) };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/api/deliveries/:id',
    summary: 'A delivery with all its attempts',
    params: idParams,
    responses: { 200: { description: 'The delivery', schema: deliveryWithAttemptsSchema }, 404: notFound },
    handler: async ({ params, res }) => {
      return { status: 200, body: deliveryWithAttemptsView(await scopedDelivery(portalOf(res), params.id)) };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/api/deliveries/:id/retry',
    summary: 'Retry a delivery now',
    params: idParams,
    responses: { 202: { description: 'Retry started', schema: retryResultSchema }, 403: csrfFailed, 404: notFound },
    handler: async ({ params, res }) => {
      const portal = portalOf(res);
      const { delivery, mode } = await retryDelivery(deps, { workspaceId: portal.session.workspaceId, deliveryId: (await scopedDelivery(portal, params.id))._id });
      return { status: 202, body: { delivery: deliveryView(delivery), mode } };
    },
  });
}

function registerPortalWriteRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Subscriber portal'], auth: 'portal' } as const;
  const scope = (res: Parameters<typeof portalOf>[0], id: string) => {
    const portal = portalOf(res);
    return { workspaceId: portal.session.workspaceId, subscriptionId: scopedSubscriptionId(portal, id) };
  };

  api.route({
    ...common,
    method: 'post',
    path: '/api/webhooks/:id/test',
    summary: 'Send a test event',
    params: idParams,
    responses: { 202: { description: 'Queued', schema: testEventSchema }, 403: csrfFailed, 404: notFound },
    handler: async ({ params, res }) => ({ status: 202, body: await sendTestEvent(deps, scope(res, params.id)) }),
  });

  api.route({
    ...common,
    method: 'post',
    path: '/api/webhooks/:id/rotate-secret',
    summary: 'Rotate the signing secret',
    params: idParams,
    body: rotateSecretBody,
    responses: { 200: { description: 'Rotated', schema: rotatedSecretSchema }, 403: csrfFailed, 404: notFound },
    handler: async ({ params, body, res }) => {
      const graceMs = body.graceSeconds !== undefined ? body.graceSeconds * 1000 : undefined;
      return { status: 200, body: rotatedSecretView(await rotateWebhookSecret(deps, { ...scope(res, params.id), graceMs })) };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/api/webhooks/:id/recover',
    summary: 'Re-deliver everything not yet delivered since a time',
    params: idParams,
    body: recoverBody,
    responses: { 202: { description: 'Recovery started', schema: recoveryStartedSchema }, 403: csrfFailed, 404: notFound, 409: { description: 'The subscription is disabled' } },
    handler: async ({ params, body, res }) => {
      const { recoveryId } = await startDeliveryRecovery(deps, { ...scope(res, params.id), since: new Date(body.since) });
      const progressUrl = `/portal/api/webhooks/${params.id}/recoveries/${recoveryId}`;
      return { status: 202, headers: { location: progressUrl }, body: { id: recoveryId, status: 'running', progressUrl } };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/api/webhooks/:id/recoveries/:recoveryId',
    summary: 'Follow a recovery',
    params: z.object({ id: z.string().min(1), recoveryId: z.string().min(1) }),
    responses: { 200: { description: 'The recovery', schema: recoveryViewSchema }, 404: notFound },
    handler: async ({ params, res }) => ({ status: 200, body: { id: params.recoveryId, ...(await getDeliveryRecovery(deps, { ...scope(res, params.id), recoveryId: params.recoveryId })) } }),
  });
}
