import { Context } from '@temporalio/activity';
import type { DeliveryAttempt, DeliveryDoc } from '../core/webhooks/delivery.model';
import type { EventDoc } from '../core/events/event.model';
import type { WebhookSubscriptionDoc } from '../core/webhooks/webhook-subscription.model';
import { deliveryRepository, type AttemptOutcomeWrite } from '../core/webhooks/delivery.repository';
import { eventRepository } from '../core/events/event.repository';
import { webhookSubscriptionRepository } from '../core/webhooks/webhook-subscription.repository';
import { workspaceRepository } from '../core/workspaces/workspace.repository';
import { deliveryBacklogRepository } from '../core/webhooks/delivery-backlog.repository';
import { deliveryQueueRepository } from '../core/webhooks/delivery-queue.repository';
import { endpointStateRepository } from '../core/webhooks/endpoint-state.repository';
import { recordOutcome, type EndpointHealth } from '../core/webhooks/endpoint-health';
import { deliverySettingsFor, type DeliverySettings } from '../core/webhooks/delivery-settings';
import { nextDelayMs, withJitter } from '../core/webhooks/retry-policy';
import { ensureEndpointWorkflow, startDeliveryWorkflow } from '../core/webhooks/start-delivery';
import { deliveryRefOf, type DeliveryRef } from '../core/webhooks/delivery-ref';
import type { Deps } from '../core/platform/deps';
import { healthPolicy } from '../core/webhooks/endpoint-health-policy';
import { attemptsInSeries, disableSubscription, sendAttempt, whyUndeliverable } from './webhook-attempt';

export interface DeliveryBatchResult {
  /** Attempts sent. */
  sent: number;
  succeeded: number;
  /** Failed, handed to their own `delivery-<id>` workflow for the retry schedule. */
  retrying: number;
  /** Put to wait for their endpoint (circuit open). */
  waiting: number;
  /** Failed for good (410, or the last attempt of their schedule). */
  failed: number;
  /** The subscription or event is gone: closed without an attempt. */
  canceled: number;
  /** Already moved on when re-read (a repeated hand-over): left alone. */
  skipped: number;
}

export interface DispatchRunResult extends DeliveryBatchResult {
  batches: number;
}

export interface ProbeResult {
  /** `recovered`: the endpoint answered (or nothing waits to probe with): drain. `down`: probe again later. `gone`: deleted or disabled. */
  outcome: 'recovered' | 'down' | 'gone';
  httpStatus?: number;
  errorClass?: string;
}

export interface DrainResult {
  sent: number;
  succeeded: number;
  /** Waiting deliveries remain after this page. */
  more: boolean;
  /** The circuit opened again during the page: go back to probing. */
  reopened: boolean;
  gone: boolean;
}

interface Planned {
  ref: DeliveryRef;
  stored: number;
}

interface BatchContext {
  events: Map<string, EventDoc | null>;
  subscriptions: Map<string, WebhookSubscriptionDoc | null>;
  health: Map<string, EndpointHealth>;
  settings: Map<string, DeliverySettings>;
}

interface Outcomes {
  attempts: Array<{ id: string; storedAttempts: number; attempt: DeliveryAttempt; outcome: AttemptOutcomeWrite }>;
  toWait: string[];
  toCancel: Array<{ id: string; reason: string }>;
  retries: Array<{ ref: DeliveryRef; waitMs: number; url: string; settings: DeliverySettings; attempt: DeliveryAttempt }>;
  disable: Array<{ subscription: WebhookSubscriptionDoc; reason: string; failingSince: Date | null }>;
  /** Endpoints some of whose deliveries were put to wait. */
  waitingOn: Set<string>;
  /** Deliveries put (or left) to wait: their delivery_backlog rows. */
  waitingRows: Array<{ deliveryId: string; subscriptionId: string; since: Date }>;
  result: DeliveryBatchResult;
}

/** Queue rows read per poll, at most. */
const BATCH = 500;
/** Endpoints of one partition with a batch in flight at once, at most. */
const MAX_BUSY_ENDPOINTS = 64;
/** Poll interval of an idle partition: doubles from the first to the second while nothing is queued. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;

/**
 * Batched sending: first attempts queued for the dispatch workflows (one long activity per
 * partition run), and an endpoint's waiting deliveries once its circuit closes (one activity per
 * page). Per batch, the reads are one per distinct event, subscription and endpoint, the writes
 * one per delivery (one bulkWrite on MongoDB) and one per endpoint. Only a delivery whose attempt
 * failed gets a workflow of its own.
 */
export function createWebhookDispatchActivities(deps: Deps) {
  const policy = healthPolicy(deps.config);

  /**
   * One run of a dispatch partition: polls its queue and sends what it finds, each endpoint's
   * share as a batch of its own, until runForMs has passed or the activity is cancelled (worker
   * shutdown). An endpoint with a batch in flight is left out of the next polls, so a slow or
   * hanging endpoint holds up only itself, never the other endpoints of its partition.
   */
  async function dispatchQueuedDeliveries({ partition, runForMs }: { partition: number; runForMs: number }): Promise<DispatchRunResult> {
    const context = Context.current();
    const runStarted = Date.now();
    const totals: DispatchRunResult = { batches: 0, sent: 0, succeeded: 0, retrying: 0, waiting: 0, failed: 0, canceled: 0, skipped: 0 };
    const busy = new Map<string, Promise<void>>(); // subscription → its batch in flight
    let failure: unknown;
    let idleMs = POLL_MIN_MS;

    const sendEndpointBatch = async (refs: DeliveryRef[]) => {
      // Rows queued before this run began may have been sent by a run that died mid-batch: re-read those.
      const planned = await plan(refs, (ref) => ref.queuedAt < runStarted, 'batch');
      const { result } = await sendPlanned(planned.list, planned.skipped);
      // Only once the attempts are recorded: a crash before this sends them again, never loses them.
      await deliveryQueueRepository.remove(refs.map((r) => r.deliveryId));
      totals.batches++;
      for (const key of Object.keys(result) as Array<keyof DeliveryBatchResult>) totals[key] += result[key];
    };

    while (failure === undefined && Date.now() - runStarted < runForMs && !context.cancellationSignal.aborted) {
      context.heartbeat(totals);
      if (busy.size >= MAX_BUSY_ENDPOINTS) {
        await Promise.race(busy.values());
        continue;
      }
      const refs = await deliveryQueueRepository.next(partition, BATCH, [...busy.keys()]);
      if (refs.length === 0) {
        // Idle: poll less often, up to POLL_MAX_MS (the latency of the first delivery after a pause).
        if (!(await pause(context, idleMs))) break;
        idleMs = Math.min(idleMs * 2, POLL_MAX_MS);
        continue;
      }
      idleMs = POLL_MIN_MS;
      for (const [subscriptionId, group] of groupBy(refs, (r) => r.subscriptionId)) {
        const run = sendEndpointBatch(group)
          .catch((err: unknown) => void (failure ??= err))
          .finally(() => busy.delete(subscriptionId));
        busy.set(subscriptionId, run);
      }
    }
    // What is in flight finishes (each request has its deadline) before the run returns.
    await Promise.all(busy.values());
    // A batch that failed (the database is away…) fails the run: Temporal runs it again, and the
    // rows it left in the queue are sent then.
    if (failure !== undefined) throw failure;
    return totals;
  }

  async function plan(refs: DeliveryRef[], recheck: (ref: DeliveryRef) => boolean, stage: DeliveryDoc['stage']): Promise<{ list: Planned[]; skipped: number }> {
    const list: Planned[] = [];
    let skipped = 0;
    await Promise.all(
      refs.map(async (ref) => {
        if (!recheck(ref)) return void list.push({ ref, stored: ref.attemptNumber - 1 });
        const current = await deliveryRepository.findById(ref.deliveryId);
        if (current && current.status === 'pending' && current.stage === stage && current.series === ref.series && attemptsInSeries(current) < ref.attemptNumber) {
          return void list.push({ ref, stored: current.attempts.length });
        }
        skipped++;
        // A run that died between recording a failed attempt and starting what follows it: start it now.
        if (current?.status === 'pending' && current.stage !== stage) await resumeAfterCrash(current);
      }),
    );
    return { list, skipped };
  }

  async function resumeAfterCrash(delivery: DeliveryDoc): Promise<void> {
    if (delivery.stage === 'workflow') {
      const settings = deliverySettingsFor(await workspaceRepository.findByIdCached(delivery.workspaceId), deps.config);
      const last = delivery.attempts.at(-1);
      const waitMs = Math.max(0, (delivery.nextAttemptAt?.getTime() ?? Date.now()) - Date.now());
      await startDeliveryWorkflow(deps, { delivery, settings, resume: { attemptsMade: attemptsInSeries(delivery), waitMs, lastHttpStatus: last?.httpStatus ?? null, lastErrorClass: last?.errorClass ?? null } });
    } else if (delivery.stage === 'waiting') {
      const subscription = await webhookSubscriptionRepository.findAnyById(delivery.subscriptionId);
      if (subscription) await ensureEndpointWorkflow(deps, subscription);
    }
  }

  async function sendPlanned(planned: Planned[], skipped: number): Promise<Outcomes> {
    const ctx = await loadContext(planned.map((p) => p.ref));
    const out: Outcomes = { attempts: [], toWait: [], toCancel: [], retries: [], disable: [], waitingOn: new Set(), waitingRows: [], result: { sent: 0, succeeded: 0, retrying: 0, waiting: 0, failed: 0, canceled: 0, skipped } };
    const bySubscription = groupBy(planned, (p) => p.ref.subscriptionId);
    await Promise.all([...bySubscription].map(([subscriptionId, list]) => sendToEndpoint(ctx, subscriptionId, list, out)));
    waitInsteadOfRetrying(ctx, out);
    await writeOutcomes(ctx, out);
    return out;
  }

  async function loadContext(refs: DeliveryRef[]): Promise<BatchContext> {
    const eventIds = [...new Set(refs.map((r) => r.eventId))];
    const subscriptionIds = [...new Set(refs.map((r) => r.subscriptionId))];
    const workspaceIds = [...new Set(refs.map((r) => r.workspaceId))];
    const [events, subscriptions, health, workspaces] = await Promise.all([
      Promise.all(eventIds.map((id) => eventRepository.findById(id))),
      Promise.all(subscriptionIds.map((id) => webhookSubscriptionRepository.findAnyById(id))),
      endpointStateRepository.healthOf(subscriptionIds, new Date()),
      Promise.all(workspaceIds.map((id) => workspaceRepository.findByIdCached(id))),
    ]);
    return {
      events: new Map(eventIds.map((id, i) => [id, events[i]])),
      subscriptions: new Map(subscriptionIds.map((id, i) => [id, subscriptions[i]])),
      health,
      settings: new Map(workspaceIds.map((id, i) => [id, deliverySettingsFor(workspaces[i], deps.config)])),
    };
  }

  /** One endpoint's share of a batch, at most WEBHOOK_ENDPOINT_CONCURRENCY at once; stops sending once its circuit opens. */
  async function sendToEndpoint(ctx: BatchContext, subscriptionId: string, list: Planned[], out: Outcomes): Promise<void> {
    const subscription = ctx.subscriptions.get(subscriptionId) ?? null;
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const item = list[next++];
        await sendOne(ctx, subscription, item, out);
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.config.WEBHOOK_ENDPOINT_CONCURRENCY, list.length) }, worker));
  }

  async function sendOne(ctx: BatchContext, subscription: WebhookSubscriptionDoc | null, { ref, stored }: Planned, out: Outcomes): Promise<void> {
    const event = ctx.events.get(ref.eventId) ?? null;
    const unavailable = whyUndeliverable(event, subscription);
    if (unavailable || !event || !subscription) {
      out.toCancel.push({ id: ref.deliveryId, reason: unavailable ?? 'unavailable' });
      out.result.canceled++;
      return;
    }
    const isTest = Boolean(event.testForSubscriptionId);
    if (!isTest && ctx.health.get(subscription._id)?.circuit === 'open') {
      out.toWait.push(ref.deliveryId);
      out.waitingOn.add(subscription._id);
      out.waitingRows.push({ deliveryId: ref.deliveryId, subscriptionId: subscription._id, since: new Date(ref.queuedAt) });
      out.result.waiting++;
      return;
    }
    const settings = ctx.settings.get(ref.workspaceId)!;
    const { response, attempt, outcome } = await sendAttempt(deps, { event, deliveryId: ref.deliveryId, subscription, series: ref.series, attemptNumber: ref.attemptNumber, timeoutMs: settings.timeoutMs });
    out.result.sent++;
    // Health decides as outcomes come in, so a circuit that opens stops the rest of the batch.
    const decision = recordOutcome(ctx.health.get(subscription._id)!, outcome, policy);
    ctx.health.set(subscription._id, decision.health);
    if (decision.disable) out.disable.push({ subscription, reason: decision.disable, failingSince: decision.health.failingSince });
    const write = (o: AttemptOutcomeWrite) => out.attempts.push({ id: ref.deliveryId, storedAttempts: stored, attempt, outcome: o });
    if (response.ok) {
      write({ status: 'succeeded', nextAttemptAt: null });
      out.result.succeeded++;
    } else if (response.status === 410) {
      // Zapier's REST-hook contract: 410 Gone means "unsubscribe me".
      write({ status: 'failed', reason: 'endpoint answered 410 Gone', nextAttemptAt: null });
      out.disable.push({ subscription, reason: 'The endpoint answered 410 Gone', failingSince: null });
      out.result.failed++;
    } else if (ref.attemptNumber >= settings.scheduleMs.length) {
      write({ status: 'failed', reason: 'every attempt of the retry schedule failed', nextAttemptAt: null });
      out.result.failed++;
    } else if (!isTest && decision.health.circuit === 'open') {
      write({ status: 'pending', nextAttemptAt: null, stage: 'waiting' });
      out.waitingOn.add(subscription._id);
      out.waitingRows.push({ deliveryId: ref.deliveryId, subscriptionId: subscription._id, since: new Date(ref.queuedAt) });
      out.result.waiting++;
    } else {
      const planned = withJitter(settings.scheduleMs[ref.attemptNumber], settings.jitter, Math.random);
      const waitMs = nextDelayMs(planned, response.retryAfterMs);
      write({ status: 'pending', nextAttemptAt: new Date(Date.now() + waitMs), stage: 'workflow' });
      out.retries.push({ ref, waitMs, url: subscription.url, settings, attempt });
      out.result.retrying++;
    }
  }

  /**
   * Failures of a batch that ended with its endpoint's circuit open wait with the rest rather than
   * each starting a retry workflow: a dead endpoint costs rows, not workflows.
   */
  function waitInsteadOfRetrying(ctx: BatchContext, out: Outcomes): void {
    const open = (subscriptionId: string) => ctx.health.get(subscriptionId)?.circuit === 'open';
    const toWait = out.retries.filter((r) => open(r.ref.subscriptionId) && !ctx.events.get(r.ref.eventId)?.testForSubscriptionId);
    if (toWait.length === 0) return;
    const ids = new Set(toWait.map((r) => r.ref.deliveryId));
    out.retries = out.retries.filter((r) => !ids.has(r.ref.deliveryId));
    for (const entry of out.attempts) if (ids.has(entry.id)) entry.outcome = { status: 'pending', nextAttemptAt: null, stage: 'waiting' };
    for (const { ref } of toWait) {
      out.waitingOn.add(ref.subscriptionId);
      out.waitingRows.push({ deliveryId: ref.deliveryId, subscriptionId: ref.subscriptionId, since: new Date(ref.queuedAt) });
    }
    out.result.retrying -= toWait.length;
    out.result.waiting += toWait.length;
  }

  async function writeOutcomes(ctx: BatchContext, out: Outcomes): Promise<void> {
    // The backlog row first: a delivery marked waiting always has one for the drain to find.
    await deliveryBacklogRepository.add(out.waitingRows);
    await Promise.all([
      deliveryRepository.recordAttempts(out.attempts),
      deliveryRepository.setStage(out.toWait, 'waiting'),
      ...out.toCancel.map((c) => deliveryRepository.close(c.id, 'canceled', c.reason)),
      ...[...ctx.health].map(([id, health]) => {
        const sub = ctx.subscriptions.get(id);
        return sub ? endpointStateRepository.save(id, sub.workspaceId, health) : undefined;
      }),
    ]);
    // The attempts are recorded before a retry workflow starts, so its first read sees them.
    await Promise.all(
      out.retries.map(({ ref, waitMs, url, settings, attempt }) =>
        startDeliveryWorkflow(deps, { delivery: { _id: ref.deliveryId, workspaceId: ref.workspaceId, subscriptionId: ref.subscriptionId, eventId: ref.eventId, eventType: ref.eventType, series: ref.series, url }, settings, resume: { attemptsMade: ref.attemptNumber, waitMs, lastHttpStatus: attempt.httpStatus ?? null, lastErrorClass: attempt.errorClass ?? null } }),
      ),
    );
    for (const id of out.waitingOn) {
      const sub = ctx.subscriptions.get(id);
      if (sub) await ensureEndpointWorkflow(deps, sub);
    }
    for (const d of out.disable) await disableSubscription(deps, d.subscription, d.reason, d.failingSince);
  }

  /**
   * A probe of an endpoint whose circuit is open: its oldest waiting delivery, sent as its next
   * attempt. The outcome is recorded on the delivery and the endpoint's health either way.
   */
  async function probeEndpoint({ subscriptionId }: { subscriptionId: string }): Promise<ProbeResult> {
    const subscription = await webhookSubscriptionRepository.findAnyById(subscriptionId);
    if (!subscription || isClosed(subscription)) return closeEndpoint(subscriptionId, subscription);
    const [oldest] = await deliveryRepository.findWaiting(subscriptionId, 1);
    const health = (await endpointStateRepository.healthOf([subscriptionId], new Date())).get(subscriptionId)!;
    if (!oldest) {
      // Nothing waits to probe with: let traffic through again (half-open: its failure count is
      // kept, so one more failure re-opens the circuit).
      if (health.circuit === 'open') await endpointStateRepository.save(subscriptionId, subscription.workspaceId, { ...health, circuit: 'closed', circuitOpenedAt: null });
      return { outcome: 'recovered' };
    }
    const event = await eventRepository.findById(oldest.eventId);
    if (!event) {
      await deliveryRepository.close(oldest._id, 'canceled', 'the event no longer exists (retention)');
      return { outcome: health.circuit === 'open' ? 'down' : 'recovered' };
    }
    const settings = deliverySettingsFor(await workspaceRepository.findByIdCached(oldest.workspaceId), deps.config);
    const { response, attempt, outcome } = await sendAttempt(deps, { event, deliveryId: oldest._id, subscription, series: oldest.series, attemptNumber: attemptsInSeries(oldest) + 1, timeoutMs: settings.timeoutMs });
    const decision = recordOutcome(health, outcome, policy);
    await deliveryRepository.recordAttempt(oldest, attempt, response.ok ? { status: 'succeeded', nextAttemptAt: null } : response.status === 410 ? { status: 'failed', reason: 'endpoint answered 410 Gone', nextAttemptAt: null } : { status: 'pending', nextAttemptAt: null, stage: 'waiting' });
    if (response.ok || response.status === 410) await deliveryBacklogRepository.remove([oldest._id]);
    await endpointStateRepository.save(subscriptionId, subscription.workspaceId, decision.health);
    if (response.status === 410) await disableSubscription(deps, subscription, 'The endpoint answered 410 Gone', null);
    else if (decision.disable) await disableSubscription(deps, subscription, decision.disable, decision.health.failingSince);
    if (response.status === 410 || decision.disable) return { outcome: 'gone', httpStatus: response.status };
    return { outcome: response.ok ? 'recovered' : 'down', httpStatus: response.status, errorClass: response.errorClass };
  }

  /** One page of an endpoint's waiting deliveries, oldest first, sent as a batch once its circuit has closed. */
  async function drainEndpoint({ subscriptionId, limit }: { subscriptionId: string; limit: number }): Promise<DrainResult> {
    const subscription = await webhookSubscriptionRepository.findAnyById(subscriptionId);
    if (!subscription || isClosed(subscription)) {
      await closeEndpoint(subscriptionId, subscription);
      return { sent: 0, succeeded: 0, more: false, reopened: false, gone: true };
    }
    const page = await deliveryRepository.findWaiting(subscriptionId, limit);
    const planned = page.map((d) => ({
      // Queued since it was created: a delivery put back to wait keeps its place in the backlog.
      ref: deliveryRefOf(d, { attemptNumber: attemptsInSeries(d) + 1, queuedAt: d.createdAt.getTime() }),
      stored: d.attempts.length,
    }));
    const { result, waitingRows } = await sendPlanned(planned, 0);
    // Sent (or canceled): off the backlog. Put to wait again (the circuit re-opened): kept.
    const stillWaiting = new Set(waitingRows.map((r) => r.deliveryId));
    await deliveryBacklogRepository.remove(page.map((d) => d._id).filter((id) => !stillWaiting.has(id)));
    const health = await endpointStateRepository.find(subscriptionId);
    return { sent: result.sent, succeeded: result.succeeded, more: page.length === limit, reopened: health?.circuit === 'open', gone: false };
  }

  async function closeEndpoint(subscriptionId: string, subscription: WebhookSubscriptionDoc | null): Promise<ProbeResult> {
    await deliveryRepository.cancelWaiting(subscriptionId, subscription && !subscription.deletedAt ? 'the subscription is disabled' : 'the subscription was deleted');
    return { outcome: 'gone' };
  }

  return { dispatchQueuedDeliveries, probeEndpoint, drainEndpoint };
}

/** Deleted or disabled: its waiting deliveries are canceled (recover restarts them once re-enabled). */
function isClosed(subscription: WebhookSubscriptionDoc): boolean {
  return Boolean(subscription.deletedAt) || !subscription.active;
}

/** Waits, unless the activity is cancelled meanwhile (false then). */
async function pause(context: Context, ms: number): Promise<boolean> {
  try {
    await context.sleep(ms);
    return true;
  } catch {
    return false;
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
