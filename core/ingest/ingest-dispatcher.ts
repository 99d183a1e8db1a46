import type { Deps } from '../platform/deps';
import type { VisitorEvent } from '../visitors/visitor-types';
import { sendToVisitor, visitorKey } from './send-to-visitor';
import { ensureIngestPartitionsFor } from './start-ingest-partitions';

export interface DispatcherOptions {
  /** Signals in flight at once. */
  concurrency?: number;
  /** Events held in memory; beyond it new ones are left to the outbox sweep. */
  maxQueued?: number;
  /**
   * How long a visitor whose events were left to the outbox sweep keeps sending its newer events
   * the same way (so the sweep delivers them after the older ones). Must cover OUTBOX_SWEEP_AFTER
   * plus the sweep's interval.
   */
  deferMs?: number;
  /** Visitors remembered as deferred; beyond it everything goes to the sweep for deferMs. */
  maxDeferred?: number;
  now?: () => number;
}

/**
 * Hands accepted events to Temporal in the background, so a 202 waits for the database write
 * only. With INGEST_PIPELINE=partitions there is nothing to hand over (the partitions poll the
 * outbox): it only makes sure their workflows run. With `visitors`, events of one visitor that
 * arrive together go in one signal, and a visitor has at most one hand-over in flight, so its
 * workflow receives them in arrival order. When Temporal is
 * unreachable the dispatcher drops its copy and backs off: the events are in the outbox, and
 * the sweep re-dispatches anything older than OUTBOX_SWEEP_AFTER, oldest first. A visitor whose
 * events were left to the sweep sends its newer ones the same way for a while, so they cannot
 * overtake the older ones. Memory stays bounded.
 */
export class IngestDispatcher {
  /** Per visitor, in arrival order; a Map keeps visitors in the order they first arrived. */
  private queue = new Map<string, VisitorEvent[]>();
  private queued = 0;
  private inFlight = 0;
  /**
   * Visitors with a hand-over in flight. Their newer events wait: two concurrent signal-with-starts
   * to one workflow may reach Temporal in either order.
   */
  private readonly sending = new Set<string>();
  /** Visitor → until when its events go to the sweep; ordered by that time (re-set moves to the end). */
  private readonly deferredUntil = new Map<string, number>();
  private pausedUntil = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly deferMs: number;
  private readonly maxDeferred: number;
  private readonly now: () => number;
  private idleWaiters: Array<() => void> = [];
  /**
   * One controller per hand-over, so close() can cancel those still retrying (the outbox keeps
   * their events). The client adds a listener per call to the signal it is given, so a shared
   * controller would keep every finished call alive.
   */
  private readonly inFlightControllers = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly deps: Deps,
    opts: DispatcherOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 16;
    this.maxQueued = opts.maxQueued ?? 20_000;
    this.deferMs = opts.deferMs ?? 120_000;
    this.maxDeferred = opts.maxDeferred ?? 50_000;
    this.now = opts.now ?? Date.now;
  }

  enqueue(events: VisitorEvent[]): void {
    if (this.deps.config.INGEST_PIPELINE === 'partitions') return this.ensurePartitions(events);
    const now = this.now();
    for (const event of events) {
      const key = visitorKey(event);
      if (now < this.pausedUntil || this.queued >= this.maxQueued || (this.deferredUntil.get(key) ?? 0) > now) {
        this.leaveToSweep(key, now);
        continue;
      }
      const list = this.queue.get(key);
      if (list) list.push(event);
      else this.queue.set(key, [event]);
      this.queued++;
    }
    this.schedule();
  }

  /** Resolves once nothing is queued or in flight (graceful shutdown, tests). */
  async drain(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops handing over: queued and in-flight events are left to the outbox sweep. */
  close(): void {
    this.pausedUntil = Number.POSITIVE_INFINITY;
    this.queue.clear();
    this.queued = 0;
    this.closed = true;
    for (const controller of this.inFlightControllers) controller.abort();
  }

  get pending(): number {
    return this.queued + this.inFlight;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One tick of coalescing lets events of the same visitor in a burst share a signal.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Partitions mode: their workflows poll the outbox; a failed check is repeated by the next request or the sweep. */
  private ensurePartitions(events: VisitorEvent[]): void {
    if (events.length === 0 || this.closed) return;
    ensureIngestPartitionsFor(this.deps, events).catch((err: unknown) => this.deps.logger.warn({ err }, 'could not make sure the ingest partitions run; the events wait in the outbox'));
  }

  private pump(): void {
    for (const [key, events] of this.queue) {
      if (this.inFlight >= this.concurrency) break;
      if (this.sending.has(key)) continue;
      this.queue.delete(key);
      this.queued -= events.length;
      this.send(key, events);
    }
    if (this.queued === 0 && this.inFlight === 0) this.notifyIdle();
  }

  private send(key: string, events: VisitorEvent[]): void {
    this.inFlight++;
    const { workspaceId, visitorId } = events[0];
    this.sending.add(key);
    const controller = new AbortController();
    this.inFlightControllers.add(controller);
    this.deps.temporal
      .withAbortSignal(controller.signal, () => sendToVisitor(this.deps, { workspaceId, visitorId, events }))
      .catch((err: unknown) => {
        // Leave them to the outbox sweep; stop trying for a moment so an outage costs no CPU.
        const now = this.now();
        this.pausedUntil = now + 5_000;
        const visitors = new Set([...events, ...[...this.queue.values()].flat()].map(visitorKey));
        for (const key of visitors) this.leaveToSweep(key, now);
        this.queue.clear();
        this.queued = 0;
        if (!this.closed) this.deps.logger.warn({ err, workspaceId, visitorId, events: events.length }, 'could not hand events to Temporal; the outbox sweep will');
      })
      .finally(() => {
        this.inFlightControllers.delete(controller);
        this.sending.delete(key);
        this.inFlight--;
        this.pump();
      });
  }

  /** The visitor's events go to the sweep until deferMs after this one. */
  private leaveToSweep(key: string, now: number): void {
    if (this.closed) return;
    this.deferredUntil.delete(key);
    this.deferredUntil.set(key, now + this.deferMs);
    for (const [oldest, until] of this.deferredUntil) {
      if (until > now) break;
      this.deferredUntil.delete(oldest);
    }
    if (this.deferredUntil.size > this.maxDeferred) {
      // Too many to remember one by one: everything waits for the sweep until they have expired.
      this.pausedUntil = Math.max(this.pausedUntil, now + this.deferMs);
      this.deferredUntil.clear();
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
