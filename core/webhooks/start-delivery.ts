import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import type { DeliveryDoc } from './delivery.model';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliverWebhookWorkflow, endpointCircuitWorkflow, type DeliverWebhookInput } from '../../workflows';
import type { WebhookSubscriptionDoc } from './webhook-subscription.model';
import type { DeliverySettings } from './delivery-settings';
import { redactUrl } from './redact-url';

/**
 * Starts `delivery-<id>`: the delivery's own retry schedule. Idempotent: a run already in progress
 * for the delivery is left alone (returns false), which is what makes fan-out safe to repeat.
 * `resume`: attempts of the series already made elsewhere (a batch) and the wait before the next.
 */
export async function startDeliveryWorkflow(
  deps: Deps,
  {
    delivery,
    settings,
    resume,
  }: { delivery: Pick<DeliveryDoc, '_id' | 'workspaceId' | 'subscriptionId' | 'eventId' | 'eventType' | 'series' | 'url'>; settings: DeliverySettings; resume?: { attemptsMade: number; waitMs: number; lastHttpStatus: number | null; lastErrorClass: string | null } },
): Promise<boolean> {
  const input: DeliverWebhookInput = {
    deliveryId: delivery._id,
    workspaceId: delivery.workspaceId,
    subscriptionId: delivery.subscriptionId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    series: delivery.series,
    scheduleMs: settings.scheduleMs,
    jitter: settings.jitter,
    timeoutMs: settings.timeoutMs,
    ...(resume ? { attemptsMade: resume.attemptsMade, firstWaitMs: resume.waitMs, lastHttpStatus: resume.lastHttpStatus, lastErrorClass: resume.lastErrorClass } : {}),
  };
  try {
    await deps.temporal.workflow.start(deliverWebhookWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.delivery(delivery._id),
      args: [input],
      typedSearchAttributes: [
        { key: searchAttributes.workspaceId, value: delivery.workspaceId },
        { key: searchAttributes.subscriptionId, value: delivery.subscriptionId },
        { key: searchAttributes.eventType, value: delivery.eventType },
        { key: searchAttributes.status, value: resume ? 'retrying' : 'pending' },
      ],
      // The memo is visible to anyone with Temporal UI access: the URL's path may be a credential.
      memo: { url: redactUrl(delivery.url), eventId: delivery.eventId, series: delivery.series },
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * Starts `endpoint-<subscription>` unless it runs: it probes the endpoint and drains its waiting
 * deliveries. Called whenever a delivery is put to wait, so none waits without a workflow on it.
 */
export async function ensureEndpointWorkflow(deps: Deps, subscription: Pick<WebhookSubscriptionDoc, '_id' | 'workspaceId' | 'url'>): Promise<void> {
  try {
    await deps.temporal.workflow.start(endpointCircuitWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.endpoint(subscription._id),
      args: [{ workspaceId: subscription.workspaceId, subscriptionId: subscription._id, probeScheduleMs: deps.config.WEBHOOK_CIRCUIT_PROBE_SCHEDULE }],
      typedSearchAttributes: [
        { key: searchAttributes.workspaceId, value: subscription.workspaceId },
        { key: searchAttributes.subscriptionId, value: subscription._id },
        { key: searchAttributes.status, value: 'probing' },
      ],
      memo: { url: redactUrl(subscription.url) },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
