import { version } from '../core/platform/version';
import type { DeliveryAttempt, DeliveryDoc, DeliveryErrorClass, DeliveryStatus } from '../core/webhooks/delivery.model';
import type { EventDoc } from '../core/events/event.model';
import type { WebhookSubscriptionDoc } from '../core/webhooks/webhook-subscription.model';
import { deliveryRepository } from '../core/webhooks/delivery.repository';
import { eventRepository } from '../core/events/event.repository';
import { webhookSubscriptionRepository } from '../core/webhooks/webhook-subscription.repository';
import { workspaceRepository } from '../core/workspaces/workspace.repository';
import { emitEvent } from '../core/events/emit-event';
import { nextDelayMs } from '../core/webhooks/retry-policy';
import { deliverySettingsFor } from '../core/webhooks/delivery-settings';
import { signWebhook } from '../core/webhooks/signature';
import type { Deps } from '../core/platform/deps';
import { sendWebhook, type WebhookHttpResult } from './webhook-http';

export interface AttemptInput {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  series: number;
  attemptNumber: number;
  /** Null on the last attempt of the series: a failure then fails the delivery. */
  plannedNextDelayMs: number | null;
}

export interface AttemptResult {
  result: 'succeeded' | 'failed' | 'canceled' | 'retry';
  /** How long to wait before the next attempt (planned delay, stretched by Retry-After). */
  nextDelayMs: number;
  httpStatus?: number;
  errorClass?: DeliveryErrorClass;
}

const USER_AGENT = `Signalbox-Webhooks/${version}`;
/** lastSuccessAt is kept to this resolution, so a healthy subscription costs no write per delivery. */
const LAST_SUCCESS_RESOLUTION_MS = 60_000;

export function createDeliveryActivities(deps: Deps) {
  /**
   * One attempt: load, sign, POST, record. Idempotent under activity retries: a delivery that is
   * already closed reports its outcome without sending again.
   */
  async function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
    const [delivery, event, subscription] = await Promise.all([
      deliveryRepository.findById(input.deliveryId),
      eventRepository.findById(input.eventId),
      webhookSubscriptionRepository.findAnyById(input.subscriptionId),
    ]);
    if (!delivery) return { result: 'canceled', nextDelayMs: 0 };
    if (delivery.status !== 'pending') return { result: closedResult(delivery.status), nextDelayMs: 0 };
    const unavailable = whyUndeliverable(event, subscription);
    if (unavailable || !event || !subscription) {
      await deliveryRepository.close(delivery._id, 'canceled', unavailable ?? 'unavailable');
      return { result: 'canceled', nextDelayMs: 0 };
    }

    const settings = deliverySettingsFor(await workspaceRepository.findByIdCached(delivery.workspaceId), deps.config);
    const startedAt = new Date();
    const response = await sendWebhook({
      url: subscription.url,
      ...signedRequest(event, delivery, subscription, startedAt),
      timeoutMs: settings.timeoutMs,
      policy: { allowPrivate: deps.config.ALLOW_PRIVATE_WEBHOOK_TARGETS },
    });
    const attempt = toAttempt(response, startedAt, input);
    return response.ok ? recordSuccess(delivery, subscription, attempt) : recordFailure(delivery, subscription, attempt, response, input);
  }

  async function recordSuccess(delivery: DeliveryDoc, subscription: WebhookSubscriptionDoc, attempt: DeliveryAttempt): Promise<AttemptResult> {
    await deliveryRepository.recordAttempt(delivery, attempt, { status: 'succeeded', nextAttemptAt: null });
    await webhookSubscriptionRepository.recordSuccessIfStale(subscription, new Date(), LAST_SUCCESS_RESOLUTION_MS);
    return { result: 'succeeded', nextDelayMs: 0, httpStatus: attempt.httpStatus ?? undefined };
  }

  async function recordFailure(
    delivery: DeliveryDoc,
    subscription: WebhookSubscriptionDoc,
    attempt: DeliveryAttempt,
    response: WebhookHttpResult,
    input: AttemptInput,
  ): Promise<AttemptResult> {
    const details = { httpStatus: response.status, errorClass: response.errorClass };
    if (response.status === 410) {
      // Zapier's REST-hook contract: 410 Gone means "unsubscribe me".
      await deliveryRepository.recordAttempt(delivery, attempt, { status: 'failed', reason: 'endpoint answered 410 Gone', nextAttemptAt: null });
      await disableSubscription(subscription, 'The endpoint answered 410 Gone');
      return { result: 'failed', nextDelayMs: 0, ...details };
    }
    const last = input.plannedNextDelayMs === null;
    const wait = last ? 0 : nextDelayMs(input.plannedNextDelayMs ?? 0, response.retryAfterMs);
    await deliveryRepository.recordAttempt(delivery, attempt, {
      status: last ? 'failed' : 'pending',
      reason: last ? 'every attempt of the retry schedule failed' : undefined,
      nextAttemptAt: last ? null : new Date(Date.now() + wait),
    });
    await checkHealth(subscription);
    return { result: last ? 'failed' : 'retry', nextDelayMs: wait, ...details };
  }

  /** Auto-disable: every delivery has failed for WEBHOOK_AUTO_DISABLE_AFTER, at least N times. */
  async function checkHealth(subscription: WebhookSubscriptionDoc): Promise<void> {
    const after = await webhookSubscriptionRepository.recordFailure(subscription._id, new Date());
    if (!after?.active || !after.failingSince) return;
    const failingFor = Date.now() - after.failingSince.getTime();
    if (failingFor >= deps.config.WEBHOOK_AUTO_DISABLE_AFTER && after.consecutiveFailures >= deps.config.WEBHOOK_AUTO_DISABLE_MIN_FAILURES) {
      await disableSubscription(after, `Every delivery failed since ${after.failingSince.toISOString()} (${after.consecutiveFailures} failed attempts)`);
    }
  }

  async function disableSubscription(subscription: WebhookSubscriptionDoc, reason: string): Promise<void> {
    const disabledAt = new Date();
    if (!(await webhookSubscriptionRepository.disable(subscription._id, reason, disabledAt))) return;
    deps.logger.warn({ subscriptionId: subscription._id, workspaceId: subscription.workspaceId, reason }, 'webhook subscription disabled');
    await emitEvent(deps, {
      workspaceId: subscription.workspaceId,
      type: 'webhook.disabled',
      id: `evt_disabled_${subscription._id}_${disabledAt.getTime()}`,
      data: { subscription_id: subscription._id, url: subscription.url, reason, failing_since: subscription.failingSince?.toISOString() ?? null, disabled_at: disabledAt.toISOString() },
    });
  }

  async function closeDelivery(input: { deliveryId: string; status: Exclude<DeliveryStatus, 'pending'>; reason: string }): Promise<void> {
    await deliveryRepository.close(input.deliveryId, input.status, input.reason);
  }

  return { attemptDelivery, closeDelivery };
}

/** The Standard Webhooks request: `webhook-id` is the event id, stable across attempts. */
function signedRequest(event: EventDoc, delivery: DeliveryDoc, subscription: WebhookSubscriptionDoc, now: Date) {
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
      'x-signalbox-delivery': delivery._id,
    },
  };
}

function whyUndeliverable(event: EventDoc | null, subscription: WebhookSubscriptionDoc | null): string | undefined {
  if (!event) return 'the event no longer exists (retention)';
  if (!subscription || subscription.deletedAt) return 'the subscription was deleted';
  if (!subscription.active && !event.testForSubscriptionId) return 'the subscription is disabled';
  return undefined;
}

function closedResult(status: DeliveryStatus): AttemptResult['result'] {
  return status === 'succeeded' ? 'succeeded' : status === 'canceled' ? 'canceled' : 'failed';
}

function toAttempt(response: WebhookHttpResult, startedAt: Date, input: AttemptInput): DeliveryAttempt {
  return {
    number: input.attemptNumber,
    series: input.series,
    startedAt,
    durationMs: response.durationMs,
    httpStatus: response.status,
    responseHeaders: response.responseHeaders,
    responseBody: response.responseBody,
    errorClass: response.errorClass,
    errorMessage: response.errorMessage,
  };
}
