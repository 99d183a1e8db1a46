import { z } from 'zod';
import { AppError } from '../../core/platform/errors';
import { deliveryStatuses } from '../../core/webhooks/delivery.model';
import { cursorSchema, listQuerySchema, pageSchema, sinceSchema, toPage } from '../../core/platform/pagination';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { webhookSubscriptionRepository } from '../../core/webhooks/webhook-subscription.repository';
import { createWebhookSubscription } from '../../core/webhooks/create-webhook-subscription';
import { deleteWebhookSubscription } from '../../core/webhooks/delete-webhook-subscription';
import { getDeliveryRecovery, startDeliveryRecovery } from '../../core/webhooks/recover-deliveries';
import { rotateWebhookSecret } from '../../core/webhooks/rotate-webhook-secret';
import { sendTestEvent } from '../../core/webhooks/send-test-event';
import { updateWebhookSubscription } from '../../core/webhooks/update-webhook-subscription';
import { SEGMENT_IDS_MAX, URL_PATTERN_MAX_LENGTH, URL_PATTERN_MAX_WILDCARDS, URL_PATTERNS_MAX, urlPatternProblem } from '../../core/webhooks/filters';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';
import { deliveryView, deliveryViewSchema, endpointHealthPageSchema, endpointHealthPageView, recoveryViewSchema, subscriptionView, subscriptionViewSchema } from './webhook-views';
import { endpointStateRepository } from '../../core/webhooks/endpoint-state.repository';
import { initialHealth } from '../../core/webhooks/endpoint-health';
import { getEndpointHealth } from '../../core/webhooks/get-endpoint-health';
import type { WebhookSubscriptionDoc } from '../../core/webhooks/webhook-subscription.model';

const urlPatternField = z.string().superRefine((pattern, ctx) => {
  const problem = urlPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const filtersSchema = z
  .object({
    urlPatterns: z
      .array(urlPatternField)
      .max(URL_PATTERNS_MAX)
      .optional()
      .meta({
        description: `Page-visit URL patterns, case-insensitive; \`*\` matches anything (at most ${URL_PATTERN_MAX_WILDCARDS} per pattern, ${URL_PATTERN_MAX_LENGTH} characters)`,
        example: ['https://example.com/pricing*'],
      }),
    segmentIds: z
      .array(z.string().min(1).max(100))
      .max(SEGMENT_IDS_MAX)
      .optional()
      .meta({ description: 'Segment events (`*.segment_qualified`, `*.segment_disqualified`) only for these segments', example: ['seg_4kT9wQ2mZp8vLx3nRb7c'] }),
  })
  .strict();
const urlField = z.string().min(1).max(2048);
const eventsField = z.array(z.string().min(1)).min(1, 'Subscribe to at least one event type').max(50);

/** Either our body `{url, events, …}` or Zapier's REST-hook body `{target_url, event}`. */
const createBody = z
  .object({
    url: urlField.optional(),
    events: eventsField.optional(),
    description: z.string().max(500).optional(),
    filters: filtersSchema.optional(),
    target_url: urlField.optional().meta({ description: "Zapier REST hook: the hook URL (use instead of `url`)" }),
    event: z.string().min(1).optional().meta({ description: 'Zapier REST hook: the event type (use instead of `events`)' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const zapier = body.target_url !== undefined || body.event !== undefined;
    const required = zapier ? (['target_url', 'event'] as const) : (['url', 'events'] as const);
    for (const field of required) if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'Required' });
  });

const patchBody = z
  .object({
    url: urlField.optional(),
    events: eventsField.optional(),
    active: z.boolean().optional().meta({ description: '`true` re-enables a disabled subscription' }),
    description: z.string().max(500).optional(),
    filters: filtersSchema.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change' });

export const idParams = z.object({ id: z.string().min(1) });

// Shared with the subscriber portal (api/portal), which serves the same operations to a session.
export const testEventSchema = z.object({ eventId: z.string(), deliveryId: z.string() });
export const rotateSecretBody = z.object({ graceSeconds: z.number().int().min(0).max(7 * 86_400).optional().meta({ description: 'Default 24 h (WEBHOOK_SECRET_GRACE)' }) }).strict();
export const rotatedSecretSchema = z.object({ secret: z.string(), secretPrefix: z.string(), previousSecretExpiresAt: isoDate });
export const deliveryListQuery = z.object({
  limit: listQuerySchema.shape.limit,
  before: cursorSchema.optional(),
  since: sinceSchema.optional(),
  status: z.enum(deliveryStatuses).optional(),
  event_type: z.string().optional(),
});
/** The repository's filter and page size (one extra row says whether a next page exists) from a list query. */
export function deliveryListFilter(query: z.output<typeof deliveryListQuery>, subscriptionId?: string) {
  return { ...query, eventType: query.event_type, subscriptionId, limit: query.limit + 1 };
}
export const recoverBody = z.object({ since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp' }) }).strict();
export const recoveryStartedSchema = z.object({ id: z.string(), status: z.literal('running'), progressUrl: z.string().meta({ description: 'GET it for the progress and, once completed, the result' }) });

export function rotatedSecretView({ secret, previousExpiresAt }: { secret: string; previousExpiresAt: Date }): z.infer<typeof rotatedSecretSchema> {
  return { secret, secretPrefix: secret.slice(0, 12), previousSecretExpiresAt: previousExpiresAt.toISOString() };
}

export async function viewWithHealth(subscription: WebhookSubscriptionDoc) {
  return subscriptionView(subscription, (await endpointStateRepository.find(subscription._id)) ?? initialHealth(subscription.createdAt));
}
const createdSchema = subscriptionViewSchema.extend({ secret: z.string().meta({ description: 'Signing secret (whsec_…). Shown only in this response.' }) });

export function registerWebhookRoutes(api: ApiRouter, deps: ApiDeps): void {
  const common = { tags: ['Webhooks'], auth: 'secret', scope: 'webhooks' } as const;
  const findOr404 = async (workspaceId: string, id: string) => {
    const sub = await webhookSubscriptionRepository.findInWorkspace(workspaceId, id);
    if (!sub) throw AppError.notFound('Webhook subscription');
    return sub;
  };

  api.route({
    ...common,
    method: 'post',
    path: '/webhooks',
    summary: 'Subscribe to events',
    description:
      "Creates a subscription and returns its signing secret once. Accepts Zapier's REST-hook body `{target_url, event}` too. " +
      'Unknown event types → 400; types outside the plan → 403. Targets must be public https URLs.',
    body: createBody,
    responses: { 201: { description: 'Created', schema: createdSchema }, 403: { description: 'Event type not in your plan' } },
    handler: async ({ body, res }) => {
      const { workspace } = authOf(res);
      const zapier = body.target_url !== undefined;
      const { subscription, secret } = await createWebhookSubscription(deps, {
        workspace,
        url: (zapier ? body.target_url : body.url) as string,
        events: zapier ? [body.event as string] : (body.events as string[]),
        description: body.description,
        filters: body.filters,
        source: zapier ? 'zapier' : 'api',
      });
      return { status: 201, body: { ...subscriptionView(subscription, initialHealth(subscription.createdAt)), secret } };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/webhooks',
    summary: 'List subscriptions',
    query: listQuerySchema.pick({ limit: true, before: true }),
    responses: { 200: { description: 'Newest first', schema: pageSchema(subscriptionViewSchema) } },
    handler: async ({ query, res }) => {
      const rows = await webhookSubscriptionRepository.list(authOf(res).workspace._id, query.limit + 1, query.before);
      const health = await endpointStateRepository.healthOf(rows.slice(0, query.limit).map((r) => r._id), new Date());
      return { status: 200, body: toPage(rows, query.limit, (r) => subscriptionView(r, health.get(r._id) ?? initialHealth(r.createdAt))) };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/webhooks/:id',
    summary: 'Get a subscription',
    params: idParams,
    responses: { 200: { description: 'The subscription', schema: subscriptionViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => ({ status: 200, body: await viewWithHealth(await findOr404(authOf(res).workspace._id, params.id)) }),
  });

  api.route({
    ...common,
    method: 'get',
    path: '/webhooks/:id/health',
    summary: "An endpoint's health",
    description:
      'Its circuit breaker, recent success rate and last error, with the deliveries it has pending by who holds them: `queued` for a first attempt in a batch, ' +
      "`retrying` on their own retry schedule, `waiting` in the database while the circuit is open. `probe` is the endpoint workflow's state while it runs.",
    params: idParams,
    responses: { 200: { description: 'Health', schema: endpointHealthPageSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => ({ status: 200, body: endpointHealthPageView(await getEndpointHealth(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id })) }),
  });

  api.route({
    ...common,
    method: 'patch',
    path: '/webhooks/:id',
    summary: 'Update a subscription',
    params: idParams,
    body: patchBody,
    responses: { 200: { description: 'Updated', schema: subscriptionViewSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, body, res }) => {
      const updated = await updateWebhookSubscription(deps, { workspace: authOf(res).workspace, subscriptionId: params.id, changes: body });
      return { status: 200, body: await viewWithHealth(updated) };
    },
  });

  api.route({
    ...common,
    method: 'delete',
    path: '/webhooks/:id',
    summary: 'Delete a subscription',
    description: 'Nothing more is delivered to it; pending deliveries are canceled. Its delivery history stays readable by id.',
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => {
      await deleteWebhookSubscription(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id });
      return { status: 204 };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/webhooks/:id/test',
    summary: 'Send a test event',
    description: "Sends a sample event of the subscription's first event type through the real delivery path, to this subscription only.",
    params: idParams,
    responses: { 202: { description: 'Queued', schema: testEventSchema }, 404: { description: 'Not found' } },
    handler: async ({ params, res }) => ({ status: 202, body: await sendTestEvent(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id }) }),
  });

  api.route({
    ...common,
    method: 'post',
    path: '/webhooks/:id/rotate-secret',
    summary: 'Rotate the signing secret',
    description: 'Returns a new secret. Until `previousSecretExpiresAt` deliveries carry signatures for both the new and the previous secret.',
    params: idParams,
    body: rotateSecretBody,
    responses: {
      200: { description: 'Rotated', schema: rotatedSecretSchema },
      404: { description: 'Not found' },
    },
    handler: async ({ params, body, res }) => {
      const graceMs = body.graceSeconds !== undefined ? body.graceSeconds * 1000 : undefined;
      const rotated = await rotateWebhookSecret(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id, graceMs });
      return { status: 200, body: rotatedSecretView(rotated) };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/webhooks/:id/deliveries',
    summary: "List a subscription's deliveries",
    params: idParams,
    query: deliveryListQuery,
    responses: { 200: { description: 'Newest first', schema: pageSchema(deliveryViewSchema) }, 404: { description: 'Not found' } },
    handler: async ({ params, query, res }) => {
      const { workspace } = authOf(res);
      await findOr404(workspace._id, params.id);
      const rows = await deliveryRepository.list(workspace._id, deliveryListFilter(query, params.id));
      return { status: 200, body: toPage(rows, query.limit, deliveryView) };
    },
  });

  api.route({
    ...common,
    method: 'post',
    path: '/webhooks/:id/recover',
    summary: 'Re-deliver everything not yet delivered since a time',
    description:
      'After your endpoint was down: every delivery of this subscription created since `since` (up to now) that has not succeeded is attempted again, in a new attempt series — failed ones, ones canceled while it was disabled, and ones waiting for their next scheduled retry. ' +
      'Runs in the background as a Temporal workflow, however many deliveries there are: follow it at `progressUrl` (also in `Location`). A disabled subscription → 409.',
    params: idParams,
    body: recoverBody,
    responses: {
      202: { description: 'Recovery started', schema: recoveryStartedSchema },
      404: { description: 'Not found' },
      409: { description: 'The subscription is disabled' },
    },
    handler: async ({ params, body, res }) => {
      const { recoveryId } = await startDeliveryRecovery(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id, since: new Date(body.since) });
      const progressUrl = `/api/v1/webhooks/${params.id}/recoveries/${recoveryId}`;
      return { status: 202, headers: { location: progressUrl }, body: { id: recoveryId, status: 'running', progressUrl } };
    },
  });

  api.route({
    ...common,
    method: 'get',
    path: '/webhooks/:id/recoveries/:recoveryId',
    summary: 'Follow a recovery',
    description: '`found` and `recovered` grow while it runs (`status: running`); once `completed` they are final. `failed`: it stopped early (see the workflow in the Temporal UI).',
    params: z.object({ id: z.string().min(1), recoveryId: z.string().min(1) }),
    responses: {
      200: { description: 'The recovery', schema: recoveryViewSchema },
      404: { description: 'Not found' },
      503: { description: 'No worker answered for the running recovery; try again' },
    },
    handler: async ({ params, res }) => {
      const recovery = await getDeliveryRecovery(deps, { workspaceId: authOf(res).workspace._id, subscriptionId: params.id, recoveryId: params.recoveryId });
      return { status: 200, body: { id: params.recoveryId, ...recovery } };
    },
  });
}
