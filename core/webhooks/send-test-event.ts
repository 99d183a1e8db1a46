import { AppError } from '../platform/errors';
import { eventSamples } from '../events/event-samples';
import type { EventType } from '../events/event-catalogue';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import { workspaceRepository } from '../workspaces/workspace.repository';
import { assertSubscribableEvents } from './create-webhook-subscription';
import { emitEvent } from '../events/emit-event';
import type { Deps } from '../platform/deps';

/**
 * Sends a synthetic event of the subscription's first event type through the real delivery
 * path (stored, signed, retried, recorded), to this subscription only.
 */
export async function sendTestEvent(deps: Deps, { workspaceId, subscriptionId }: { workspaceId: string; subscriptionId: string }): Promise<{ eventId: string; deliveryId: string }> {
  const [subscription, workspace] = await Promise.all([webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId), workspaceRepository.findById(workspaceId)]);
  if (!subscription || !workspace) throw AppError.notFound('Webhook subscription');
  const type = subscription.events[0] as EventType;
  assertSubscribableEvents(workspace, [type], 'events');
  const { event, deliveryIds } = await emitEvent(deps, { workspaceId, type, data: eventSamples[type], onlySubscriptionId: subscription._id });
  return { eventId: event._id, deliveryId: deliveryIds[0] };
}
