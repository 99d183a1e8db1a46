import { AppError } from '../platform/errors';
import { deliveryRepository } from './delivery.repository';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import type { Deps } from '../platform/deps';
import { restartDelivery } from './retry-delivery';

/**
 * After an outage on the receiver's side: re-deliver now every delivery of the subscription
 * since `since` that has not succeeded — failed ones, ones canceled while it was disabled, and
 * ones still waiting hours for their next scheduled retry.
 */
export async function recoverDeliveries(
  deps: Deps,
  { workspaceId, subscriptionId, since }: { workspaceId: string; subscriptionId: string; since: Date },
): Promise<{ recovered: number; deliveryIds: string[] }> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId);
  if (!subscription) throw AppError.notFound('Webhook subscription');
  if (!subscription.active) throw new AppError('conflict', 'The subscription is disabled: re-enable it with PATCH {"active": true} first');
  const recoverable = await deliveryRepository.findRecoverable(workspaceId, subscriptionId, since);
  const deliveryIds: string[] = [];
  for (const listed of recoverable) {
    const { mode } = await restartDelivery(deps, { delivery: listed, skipIfDelivered: true });
    if (mode !== 'already_delivered') deliveryIds.push(listed._id);
  }
  return { recovered: deliveryIds.length, deliveryIds };
}
