import type { Client } from '@temporalio/client';
import type { Logger } from '../logger';
import type { VisitorEvent } from '../visitors/visitor-types';
import { sendToVisitor } from './send-to-visitor';

export interface DispatcherOptions {
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** Signals in flight at once. */
  concurrency?: number;
  /** Events held in memory; beyond it new ones are left to the outbox sweep. */
  maxQueued?: number;
}

/**
 * Hands accepted events to Temporal in the background, so a 202 waits for the database write
 * only. Events of one visitor that arrive together go in one signal, and a visitor has at most
 * one hand-over in flight, so its workflow receives them in arrival order. When Temporal is
 * unreachable the dispatcher drops its copy and backs off: the events are in the outbox, and
 * the sweep re-dispatches anything older than OUTBOX_SWEEP_AFTER. Memory stays bounded.
 */
export class IngestDispatcher {
  /** Per visitor, in arrival order; a Map keeps visitors in the order they first arrived. */
  private queue = new Map<string, VisitorEvent[]>();
  private queued = 0;
  private inFlight = 0;
  /**
   * Visitors with a hand-over in flight. Their newer events wait: two concurrent
   * signal-with-starts to one workflow may reach Temporal in either order.
   */
  private readonly sending = new Set<string>();
  private pausedUntil = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private idleWaiters: Array<() => void> = [];
  /**
   * One controller per hand-over, so close() can cancel those still retrying (the outbox keeps
   * their events). The client adds a listener per call to the signal it is given, so a shared
   * controller would keep every finished call alive.
   */
  private readonly inFlightControllers = new Set<AbortController>();
  private closed = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.maxQueued = opts.maxQueued ?? 20_000;
  }

  enqueue(events: VisitorEvent[]): void {
    if (Date.now() < this.pausedUntil) return;
    for (const event of events) {
      if (this.queued >= this.maxQueued) break;
      const key = visitorKey(event);
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

  private pump(): void {
    for (const [key, events] of this.queue) {
      if (this.inFlight >= this.concurrency) break;
      if (this.sending.has(key)) continue;
      this.queue.delete(key);
      this.queued -= events.length;
      this.send(events);
    }
    if (this.queued === 0 && this.inFlight === 0) this.notifyIdle();
  }

  private send(events: VisitorEvent[]): void {
    this.inFlight++;
    const { workspaceId, visitorId } = events[0];
    const key = visitorKey(events[0]);
    this.sending.add(key);
    const controller = new AbortController();
    this.inFlightControllers.add(controller);
    this.opts.temporal
      .withAbortSignal(controller.signal, () => sendToVisitor(this.opts.temporal, this.opts.taskQueue, workspaceId, visitorId, events))
      .catch((err: unknown) => {
        // Leave them to the outbox sweep; stop trying for a moment so an outage costs no CPU.
        this.pausedUntil = Date.now() + 5_000;
        this.queue.clear();
        this.queued = 0;
        if (!this.closed) this.opts.logger.warn({ err, workspaceId, visitorId, events: events.length }, 'could not hand events to Temporal; the outbox sweep will');
      })
      .finally(() => {
        this.inFlightControllers.delete(controller);
        this.sending.delete(key);
        this.inFlight--;
        this.pump();
      });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function visitorKey(event: VisitorEvent): string {
  return `${event.workspaceId}\u0000${event.visitorId}`;
}
