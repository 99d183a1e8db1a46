import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import { deliveryRepository } from './delivery.repository';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { cancelDeliverySignal, deliverWebhookWorkflow } from '../../workflows';

/**
 * Deletes a subscription: nothing more is delivered to it. Pending deliveries are told to stop
 * now (best effort: each one also re-checks the subscription before every attempt).
 */
export async function deleteWebhookSubscription(deps: Deps, { workspaceId, subscriptionId: id }: { workspaceId: string; subscriptionId: string }): Promise<void> {
  if (!(await webhookSubscriptionRepository.softDelete(workspaceId, id, new Date()))) throw AppError.notFound('Webhook subscription');
  await deliveryRepository.cancelWaiting(id, 'the subscription was deleted');
  const pending = await deliveryRepository.findPendingForSubscription(workspaceId, id);
  await Promise.all(
    pending
      .filter((d) => d.stage === 'workflow')
      .map((d) =>
      deps.temporal.workflow
        .getHandle<typeof deliverWebhookWorkflow>(workflowIds.delivery(d._id))
        .signal(cancelDeliverySignal, 'the subscription was deleted')
        .catch((err) => deps.logger.debug({ err, deliveryId: d._id }, 'delivery workflow not running; it will cancel itself')),
    ),
  );
}
