import { AppError } from '../errors';
import { eventSamples } from '../events/payloads';
import type { EventType } from '../event-catalogue';
import { webhookSubscriptionRepository } from '../repositories/webhook-subscription.repository';
import { emitEvent, type EventDeps } from './emit-event';

/**
 * Sends a synthetic event of the subscription's first event type through the real delivery
 * path (stored, signed, retried, recorded), to this subscription only.
 */
export async function sendTestEvent(deps: EventDeps, workspaceId: string, subscriptionId: string): Promise<{ eventId: string; deliveryId: string }> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId);
  if (!subscription) throw AppError.notFound('Webhook subscription');
  const type = subscription.events[0] as EventType;
  const { event, deliveryIds } = await emitEvent(deps, { workspaceId, type, data: eventSamples[type], onlySubscriptionId: subscription._id });
  return { eventId: event._id, deliveryId: deliveryIds[0] };
}
