/**
 * One attempt of one delivery, and what follows from its outcome for the endpoint, shared by the
 * three senders: a dispatch batch (first attempts), a delivery's own workflow (retries) and an
 * endpoint's workflow (probes and drains).
 */
import { version } from '../core/platform/version';
import type { DeliveryAttempt, DeliveryDoc, DeliveryStatus } from '../core/webhooks/delivery.model';
import type { EventDoc } from '../core/events/event.model';
import type { WebhookSubscriptionDoc } from '../core/webhooks/webhook-subscription.model';
import { webhookSubscriptionRepository } from '../core/webhooks/webhook-subscription.repository';
import { deliveryRepository } from '../core/webhooks/delivery.repository';
import { emitEvent } from '../core/events/emit-event';
import { signWebhook } from '../core/webhooks/signature';
import type { AttemptOutcome } from '../core/webhooks/endpoint-health';
import type { Deps } from '../core/platform/deps';
import { sendWebhook, type WebhookHttpResult } from './webhook-http';

const USER_AGENT = `Signalbox-Webhooks/${version}`;
export interface SendInput {
  event: EventDoc;
  deliveryId: string;
  subscription: WebhookSubscriptionDoc;
  series: number;
  attemptNumber: number;
  timeoutMs: number;
}

/** Signs and POSTs; the attempt as it is recorded on the delivery, and the outcome for the endpoint's health. */
export async function sendAttempt(deps: Deps, input: SendInput): Promise<{ response: WebhookHttpResult; attempt: DeliveryAttempt; outcome: AttemptOutcome }> {
  const startedAt = new Date();
  const request = signedRequest(input.event, input.deliveryId, input.subscription, startedAt);
  const response = await sendWebhook({
    url: input.subscription.url,
    ...request,
    timeoutMs: input.timeoutMs,
    policy: { allowPrivate: deps.config.ALLOW_PRIVATE_WEBHOOK_TARGETS },
  });
  const attempt: DeliveryAttempt = {
    number: input.attemptNumber,
    series: input.series,
    startedAt,
    durationMs: response.durationMs,
    requestHeaders: request.headers,
    httpStatus: response.status,
    responseHeaders: response.responseHeaders,
    responseBody: response.responseBody,
    errorClass: response.errorClass,
    errorMessage: response.errorMessage,
  };
  const at = new Date(startedAt.getTime() + response.durationMs);
  const outcome: AttemptOutcome = response.ok
    ? { ok: true, at }
    : { ok: false, at, httpStatus: response.status ?? null, errorClass: response.errorClass ?? null, message: response.errorMessage ?? null };
  return { response, attempt, outcome };
}

/** The Standard Webhooks request: `webhook-id` is the event id, stable across attempts. Byte-for-byte the same from every sender. */
function signedRequest(event: EventDoc, deliveryId: string, subscription: WebhookSubscriptionDoc, now: Date) {
  const body = JSON.stringify({ id: event._id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data });
  const timestamp = Math.floor(now.getTime() / 1000);
  const secrets = subscription.secrets.filter((s) => !s.expiresAt || s.expiresAt > now).map((s) => s.secret);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event._id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ id: event._id, timestamp, body, secrets }),
      'x-signalbox-event': event.type,
      'x-signalbox-delivery': deliveryId,
    },
  };
}

export function whyUndeliverable(event: EventDoc | null, subscription: WebhookSubscriptionDoc | null): string | undefined {
  if (!event) return 'the event no longer exists (retention)';
  if (!subscription || subscription.deletedAt) return 'the subscription was deleted';
  if (!subscription.active && !event.testForSubscriptionId) return 'the subscription is disabled';
  return undefined;
}

export function closedResult(status: DeliveryStatus): 'succeeded' | 'failed' | 'canceled' {
  return status === 'succeeded' ? 'succeeded' : status === 'canceled' ? 'canceled' : 'failed';
}

/** Attempts already made in the delivery's current series. */
export function attemptsInSeries(delivery: Pick<DeliveryDoc, 'attempts' | 'series'>): number {
  return delivery.attempts.filter((a) => a.series === delivery.series).length;
}

/**
 * Disables a subscription (410 Gone, or failing past the auto-disable window) and tells the
 * workspace with a `webhook.disabled` event. Only the call that disabled it emits the event.
 */
export async function disableSubscription(deps: Deps, subscription: Pick<WebhookSubscriptionDoc, '_id' | 'workspaceId' | 'url'>, reason: string, failingSince: Date | null): Promise<void> {
  const disabledAt = new Date();
  if (!(await webhookSubscriptionRepository.disable(subscription._id, reason, disabledAt))) return;
  deps.logger.warn({ subscriptionId: subscription._id, workspaceId: subscription.workspaceId, reason }, 'webhook subscription disabled');
  await deliveryRepository.cancelWaiting(subscription._id, 'the subscription is disabled');
  await emitEvent(deps, {
    workspaceId: subscription.workspaceId,
    type: 'webhook.disabled',
    id: `evt_disabled_${subscription._id}_${disabledAt.getTime()}`,
    data: { subscription_id: subscription._id, url: subscription.url, reason, failing_since: failingSince?.toISOString() ?? null, disabled_at: disabledAt.toISOString() },
  });
}
