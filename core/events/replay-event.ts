import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import { newId } from '../platform/ids';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliveryRefOf } from '../webhooks/delivery-ref';
import { deliveryRepository } from '../webhooks/delivery.repository';
import { queueDeliveries } from '../webhooks/queue-deliveries';
import type { WebhookSubscriptionDoc } from '../webhooks/webhook-subscription.model';
import { workspaceRepository } from '../workspaces/workspace.repository';
import { eventRepository } from './event.repository';
import type { EventDoc } from './event.model';
import { deliveryIdFor, subscriptionsFor } from './emit-event';

export interface ReplayEventInput {
  workspaceId: string;
  eventId: string;
}

/**
 * Sends a stored event again to the subscriptions that match it now, as new deliveries (their
 * first attempts queued like a fan-out's). The event keeps its id and payload, so a receiver
 * that already has it can de-duplicate on `webhook-id`.
 */
export async function replayEvent(deps: Deps, input: ReplayEventInput): Promise<{ replayId: string; deliveryIds: string[] }> {
  const event = await eventRepository.findInWorkspace(input.workspaceId, input.eventId);
  if (!event) throw AppError.notFound('Event');
  const subscriptions = await subscriptionsFor(event, await workspaceRepository.findByIdCached(event.workspaceId));
  const replayId = newId('rpl', 16);
  const deliveries = await Promise.all(subscriptions.map((sub) => insertReplayDelivery(event, sub, replayId)));
  const queuedAt = Date.now();
  await queueDeliveries(deps, deliveries.map((d) => deliveryRefOf(d, { attemptNumber: 1, queuedAt })));
  return { replayId, deliveryIds: deliveries.map((d) => d._id) };
}

function insertReplayDelivery(event: EventDoc, sub: WebhookSubscriptionDoc, replayId: string) {
  const id = deliveryIdFor(event._id, sub._id, replayId);
  return deliveryRepository.insert({ _id: id, workspaceId: event.workspaceId, eventId: event._id, eventType: event.type, subscriptionId: sub._id, url: sub.url, workflowId: workflowIds.delivery(id), replayId });
}
