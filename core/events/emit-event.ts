import { createHash } from 'node:crypto';
import { runWithCpuBudget } from '../platform/cpu-budget';
import { AppError, fieldErrors, isDuplicateKeyError } from '../platform/errors';
import { isEventType, type EventType } from './event-catalogue';
import { failedEventRepository } from './failed-event.repository';
import { InvalidEventPayloadError, parseEventPayload } from './payloads';
import { newId } from '../platform/ids';
import type { Deps } from '../platform/deps';
import type { EventDoc } from './event.model';
import { deliveryRepository } from '../webhooks/delivery.repository';
import { eventRepository } from './event.repository';
import { webhookSubscriptionRepository } from '../webhooks/webhook-subscription.repository';
import { workspaceRepository } from '../workspaces/workspace.repository';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { matchesFilters, type SubscriptionFilters } from '../webhooks/filters';
import { deliverySettingsFor } from '../webhooks/delivery-settings';
import { ensureEndpointWorkflow, startDeliveryWorkflow } from '../webhooks/start-delivery';
import { queueDeliveries } from '../webhooks/queue-deliveries';
import { deliveryRefOf } from '../webhooks/delivery-ref';
import type { DeliveryDoc } from '../webhooks/delivery.model';
import type { WebhookSubscriptionDoc } from '../webhooks/webhook-subscription.model';
import type { WorkspaceDoc } from '../workspaces/workspace.model';

/** Matching every subscription's URL patterns against one event takes microseconds; this is a cap, not a target. */
const FILTER_CPU_BUDGET_MS = 250;

export interface EmitEventInput {
  workspaceId: string;
  type: string;
  data: unknown;
  /** A caller-chosen id makes emitting idempotent (workflows derive it from what happened). */
  id?: string;
  /** Synthetic test events reach only this subscription. */
  onlySubscriptionId?: string;
  /**
   * For events the system emits itself (not an operator's request): a payload that fails its
   * schema is recorded in failed_events (visible in the API) before the validation error is thrown.
   */
  recordIfInvalid?: boolean;
}

/**
 * The internal event API: validates the payload against its schema, stores the event, then
 * fans it out. Storing first means a crash before fan-out loses nothing: the outbox sweep
 * finishes the job. Emitting the same id twice stores and delivers it once.
 */
export async function emitEvent(deps: Deps, input: EmitEventInput): Promise<{ event: EventDoc; deliveryIds: string[] }> {
  const type = assertEventType(input.type);
  const data = await validatePayload(type, input.data).catch(async (err: unknown) => {
    if (input.recordIfInvalid && input.id && err instanceof AppError && err.details) {
      await failedEventRepository.record({ id: input.id, workspaceId: input.workspaceId, type, data: input.data, errors: err.details });
    }
    throw err;
  });
  const event = await storeEvent({ _id: input.id ?? newId('evt', 20), workspaceId: input.workspaceId, type, data, createdAt: new Date(), testForSubscriptionId: input.onlySubscriptionId });
  const deliveryIds = await fanOutEvent(deps, event);
  return { event, deliveryIds };
}

/**
 * Creates one delivery per matching active subscription and hands its first attempt to a batch.
 * Safe to run again for the same event: the (event, subscription) pair is unique, a batch skips a
 * delivery that moved on, and `delivery-<id>` runs once.
 */
export async function fanOutEvent(deps: Deps, event: EventDoc): Promise<string[]> {
  const workspace = await workspaceRepository.findByIdCached(event.workspaceId);
  const subscriptions = await subscriptionsFor(event, workspace);
  const settings = deliverySettingsFor(workspace, deps.config);
  const deliveries = await Promise.all(subscriptions.map(async (sub) => ({ sub, delivery: await findOrCreateDelivery(event, sub._id, sub.url) })));
  const pending = deliveries.filter((d) => d.delivery.status === 'pending');
  // First attempts go in batches (queued for the dispatch workflows); a repeated fan-out finds
  // each pending delivery where it was left: queued (queued once), with its own retry workflow
  // (started if it is not running) or waiting for its endpoint's workflow.
  const batch = pending.filter((d) => d.delivery.stage === 'batch');
  const queuedAt = Date.now();
  await Promise.all([
    queueDeliveries(
      deps,
      batch.map(({ delivery }) => deliveryRefOf(delivery, { attemptNumber: 1, queuedAt })),
    ),
    ...pending.filter((d) => d.delivery.stage === 'workflow').map(({ delivery }) => startDeliveryWorkflow(deps, { delivery, settings })),
    ...pending.filter((d) => d.delivery.stage === 'waiting').map(({ sub }) => ensureEndpointWorkflow(deps, sub)),
  ]);
  await eventRepository.markFannedOut(event._id, new Date());
  return deliveries.map((d) => d.delivery._id);
}

/**
 * The subscriptions an event goes to now: a test event to its one subscription, any other to the
 * active subscriptions of its type whose filters let it through. Plan gating applies at delivery
 * too: after a downgrade, paid event types stop going out.
 */
export async function subscriptionsFor(event: EventDoc, workspace: WorkspaceDoc | null): Promise<WebhookSubscriptionDoc[]> {
  if (!workspace?.entitledEventTypes.includes(event.type)) return [];
  if (event.testForSubscriptionId) return [await webhookSubscriptionRepository.findInWorkspace(event.workspaceId, event.testForSubscriptionId)].filter((s) => s !== null);
  return matching(await webhookSubscriptionRepository.findActiveForEventType(event.workspaceId, event.type), event);
}

/**
 * Subscriptions whose filters let the event through. Filters run on URLs anyone with a
 * publishable key can send, so the step has a CPU budget: past it, the step is stopped and the
 * event fails (the visitor pipeline parks it after a few attempts) instead of freezing the worker.
 */
function matching<T extends { filters?: SubscriptionFilters | null }>(subscriptions: T[], event: EventDoc): T[] {
  if (!subscriptions.some((s) => s.filters?.urlPatterns?.length || s.filters?.segmentIds?.length)) return subscriptions;
  return runWithCpuBudget('URL filter matching', FILTER_CPU_BUDGET_MS, () => subscriptions.filter((s) => matchesFilters(s.filters, event.type, event.data)));
}

/**
 * The delivery id is derived from the (event, subscription) pair, so finding or creating it is a
 * primary-key operation (secondary-index lookups are slow on FerretDB/SQLite) and a repeated
 * fan-out lands on the same document; the unique pair index guards real MongoDB as well.
 */
async function findOrCreateDelivery(event: EventDoc, subscriptionId: string, url: string): Promise<DeliveryDoc> {
  const id = deliveryIdFor(event._id, subscriptionId);
  // A fresh event has no deliveries yet: insert first, read only when a repeated fan-out collides.
  if (event.fannedOutAt) {
    const existing = await deliveryRepository.findById(id);
    if (existing) return existing;
  }
  try {
    return await deliveryRepository.insert({ _id: id, workspaceId: event.workspaceId, eventId: event._id, eventType: event.type, subscriptionId, url, workflowId: workflowIds.delivery(id) });
  } catch (err) {
    const raced = isDuplicateKeyError(err) ? await deliveryRepository.findById(id) : null;
    if (raced) return raced;
    throw err;
  }
}

/** A replay's deliveries derive from the replay too, so each replay gets new ones. */
export function deliveryIdFor(eventId: string, subscriptionId: string, replayId?: string): string {
  const key = replayId ? `${eventId}\n${subscriptionId}\n${replayId}` : `${eventId}\n${subscriptionId}`;
  return `dlv_${createHash('sha256').update(key).digest('base64url').replace(/[-_]/g, '').slice(0, 22)}`;
}

async function storeEvent(event: Parameters<typeof eventRepository.insert>[0]): Promise<EventDoc> {
  try {
    return await eventRepository.insert(event);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await eventRepository.findById(event._id);
    if (!existing || existing.workspaceId !== event.workspaceId) throw new AppError('conflict', `Event id ${event._id} is already used`);
    return existing;
  }
}

function assertEventType(type: string): EventType {
  if (!isEventType(type)) throw AppError.validation({ type: [`Unknown event type '${type}'`] });
  return type;
}

async function validatePayload(type: EventType, data: unknown): Promise<Record<string, unknown>> {
  try {
    return parseEventPayload(type, data) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof InvalidEventPayloadError) throw AppError.validation(fieldErrors(err.issues, 'data'), `Invalid ${type} payload`);
    throw err;
  }
}
