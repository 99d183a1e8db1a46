import type { DeliveryAttempt, DeliveryDoc, DeliveryErrorClass, DeliveryStatus } from '../core/webhooks/delivery.model';
import type { WebhookSubscriptionDoc } from '../core/webhooks/webhook-subscription.model';
import { deliveryRepository } from '../core/webhooks/delivery.repository';
import { deliveryBacklogRepository } from '../core/webhooks/delivery-backlog.repository';
import { eventRepository } from '../core/events/event.repository';
import { webhookSubscriptionRepository } from '../core/webhooks/webhook-subscription.repository';
import { workspaceRepository } from '../core/workspaces/workspace.repository';
import { endpointStateRepository } from '../core/webhooks/endpoint-state.repository';
import { recordOutcome } from '../core/webhooks/endpoint-health';
import { nextDelayMs } from '../core/webhooks/retry-policy';
import { deliverySettingsFor } from '../core/webhooks/delivery-settings';
import type { Deps } from '../core/platform/deps';
import { healthPolicy } from '../core/webhooks/endpoint-health-policy';
import { ensureEndpointWorkflow } from '../core/webhooks/start-delivery';
import type { WebhookHttpResult } from './webhook-http';
import { closedResult, disableSubscription, sendAttempt, whyUndeliverable } from './webhook-attempt';

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
  /**
   * `waiting`: the endpoint's circuit is open; the delivery waits in the database for its endpoint workflow.
   * `superseded`: the delivery moved on to a newer attempt series (a recover or retry): this run's series ends unsent.
   */
  result: 'succeeded' | 'failed' | 'canceled' | 'retry' | 'waiting' | 'superseded';
  /** How long to wait before the next attempt (planned delay, stretched by Retry-After). */
  nextDelayMs: number;
  httpStatus?: number;
  errorClass?: DeliveryErrorClass;
}

/** The activities of a delivery's own workflow (`delivery-<id>`): its retries, after a failed first attempt. */
export function createDeliveryActivities(deps: Deps) {
  const policy = healthPolicy(deps.config);

  /**
   * One attempt: load, sign, POST, record. Idempotent under activity retries: a delivery that is
   * already closed reports its outcome without sending again. While the endpoint's circuit is
   * open nothing is sent: the delivery waits for the endpoint's workflow and this run ends.
   */
  async function attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
    const [delivery, event, subscription] = await Promise.all([
      deliveryRepository.findById(input.deliveryId),
      eventRepository.findById(input.eventId),
      webhookSubscriptionRepository.findAnyById(input.subscriptionId),
    ]);
    if (!delivery) return { result: 'canceled', nextDelayMs: 0 };
    if (delivery.status !== 'pending') return { result: closedResult(delivery.status), nextDelayMs: 0 };
    if (delivery.series !== input.series) return { result: 'superseded', nextDelayMs: 0 };
    const unavailable = whyUndeliverable(event, subscription);
    if (unavailable || !event || !subscription) {
      await deliveryRepository.close(delivery._id, 'canceled', unavailable ?? 'unavailable');
      return { result: 'canceled', nextDelayMs: 0 };
    }
    const health = (await endpointStateRepository.healthOf([subscription._id], new Date())).get(subscription._id)!;
    if (health.circuit === 'open' && !event.testForSubscriptionId) return putToWait(delivery, subscription);

    const settings = deliverySettingsFor(await workspaceRepository.findByIdCached(delivery.workspaceId), deps.config);
    const { response, attempt, outcome } = await sendAttempt(deps, { event, deliveryId: delivery._id, subscription, series: input.series, attemptNumber: input.attemptNumber, timeoutMs: settings.timeoutMs });
    const decision = recordOutcome(health, outcome, policy);
    await endpointStateRepository.save(subscription._id, subscription.workspaceId, decision.health);
    if (decision.disable) await disableSubscription(deps, subscription, decision.disable, decision.health.failingSince);
    if (response.ok) {
      await deliveryRepository.recordAttempt(delivery, attempt, { status: 'succeeded', nextAttemptAt: null });
      return { result: 'succeeded', nextDelayMs: 0, httpStatus: attempt.httpStatus ?? undefined };
    }
    return recordFailure(delivery, subscription, attempt, response, input, decision.health.circuit === 'open' && !event.testForSubscriptionId);
  }

  async function recordFailure(
    delivery: DeliveryDoc,
    subscription: WebhookSubscriptionDoc,
    attempt: DeliveryAttempt,
    response: WebhookHttpResult,
    input: AttemptInput,
    circuitOpen: boolean,
  ): Promise<AttemptResult> {
    const details = { httpStatus: response.status, errorClass: response.errorClass };
    if (response.status === 410) {
      // Zapier's REST-hook contract: 410 Gone means "unsubscribe me".
      await deliveryRepository.recordAttempt(delivery, attempt, { status: 'failed', reason: 'endpoint answered 410 Gone', nextAttemptAt: null });
      await disableSubscription(deps, subscription, 'The endpoint answered 410 Gone', null);
      return { result: 'failed', nextDelayMs: 0, ...details };
    }
    const last = input.plannedNextDelayMs === null;
    if (!last && circuitOpen) {
      await deliveryBacklogRepository.add([{ deliveryId: delivery._id, subscriptionId: subscription._id, since: delivery.createdAt }]);
      await deliveryRepository.recordAttempt(delivery, attempt, { status: 'pending', nextAttemptAt: null, stage: 'waiting' });
      await ensureEndpointWorkflow(deps, subscription);
      return { result: 'waiting', nextDelayMs: 0, ...details };
    }
    const wait = last ? 0 : nextDelayMs(input.plannedNextDelayMs ?? 0, response.retryAfterMs);
    await deliveryRepository.recordAttempt(delivery, attempt, {
      status: last ? 'failed' : 'pending',
      reason: last ? 'every attempt of the retry schedule failed' : undefined,
      nextAttemptAt: last ? null : new Date(Date.now() + wait),
    });
    return { result: last ? 'failed' : 'retry', nextDelayMs: wait, ...details };
  }

  async function putToWait(delivery: DeliveryDoc, subscription: WebhookSubscriptionDoc): Promise<AttemptResult> {
    await deliveryBacklogRepository.add([{ deliveryId: delivery._id, subscriptionId: subscription._id, since: delivery.createdAt }]);
    await deliveryRepository.setStage([delivery._id], 'waiting');
    await ensureEndpointWorkflow(deps, subscription);
    return { result: 'waiting', nextDelayMs: 0 };
  }

  async function closeDelivery(input: { deliveryId: string; status: Exclude<DeliveryStatus, 'pending'>; reason: string }): Promise<void> {
    await deliveryRepository.close(input.deliveryId, input.status, input.reason);
  }

  return { attemptDelivery, closeDelivery };
}
