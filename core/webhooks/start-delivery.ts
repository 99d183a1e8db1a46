import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import type { DeliveryDoc } from './delivery.model';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliverWebhookWorkflow, type DeliverWebhookInput } from '../../workflows';
import type { DeliverySettings } from './delivery-settings';
import { redactUrl } from './redact-url';

/**
 * Starts `delivery-<id>`. Idempotent: a run already in progress for the delivery is left alone
 * (returns false), which is what makes fan-out safe to repeat.
 */
export async function startDeliveryWorkflow(
  deps: Deps,
  { delivery, settings }: { delivery: Pick<DeliveryDoc, '_id' | 'workspaceId' | 'subscriptionId' | 'eventId' | 'eventType' | 'series' | 'url'>; settings: DeliverySettings },
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
        { key: searchAttributes.status, value: 'pending' },
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
