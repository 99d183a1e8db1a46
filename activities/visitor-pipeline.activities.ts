import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { groupByRoute, handOver } from '../core/ingest/send-to-visitor';
import { applyIngestBatch as applyBatch, type ApplyIngestBatchInput } from '../core/ingest/apply-ingest-batch';
import { ingestRepository } from '../core/ingest/ingest.repository';
import { isTransientError } from '../core/platform/transient-errors';
import { ATTEMPTS_BEFORE_PARKING, EVENT_FAILED } from '../core/visitors/event-failure';
import { parkedEventRepository } from '../core/visitors/parked-event.repository';
import type { VisitorEvent } from '../core/visitors/visitor-types';
import { applyVisitorEvents as applyEvents, type ApplyVisitorEventsInput } from '../core/visitors/apply-visitor-events';
import type { Deps } from '../core/platform/deps';

const SWEEP_CONCURRENCY = 8;
/** The sweep's activity has 5 minutes; stop reading new pages after this. */
const SWEEP_BUDGET_MS = 3 * 60_000;

export function createVisitorPipelineActivities(deps: Deps) {
  /**
   * Local activity of visitorWorkflow: applies a batch of the visitor's events and saves it. An
   * outage is retried until it passes; a failure of the events' own is reported as EVENT_FAILED
   * after a few attempts, so the workflow can find the poisonous event and park it.
   */
  async function applyVisitorEvents(input: ApplyVisitorEventsInput): Promise<{ email: string | null }> {
    return reportEventFailures(() => applyEvents(deps, input));
  }

  /**
   * Local activity of ingestPartitionWorkflow (INGEST_PIPELINE=partitions): applies a batch of
   * many visitors' events in one go. Failures are reported as for applyVisitorEvents.
   */
  async function applyIngestBatch(input: ApplyIngestBatchInput): Promise<{ applied: number; visitors: number }> {
    return reportEventFailures(() => applyBatch(deps, input));
  }

  /** Local activity of visitorWorkflow and ingestPartitionWorkflow: sets aside an event that failed on every attempt. */
  async function parkVisitorEvent(input: { event: VisitorEvent; error: string }): Promise<void> {
    await parkedEventRepository.park(input.event, { message: input.error, type: EVENT_FAILED });
    await ingestRepository.removeFromOutbox(input.event.id);
    const { id, workspaceId, visitorId, type } = input.event;
    deps.logger.warn({ eventId: id, workspaceId, visitorId, type, error: input.error.slice(0, 300) }, 'visitor event parked: it failed on every attempt (list and replay it through /api/v1/parked-events)');
  }

  /**
   * The ingest outbox sweep: events accepted more than OUTBOX_SWEEP_AFTER ago and still not
   * applied were never handed to Temporal (it was down, the API process died, or the API left a
   * visitor's events to the sweep to keep them in order). Hands them over again, oldest first, page
   * after page while pages come back full (up to SWEEP_BUDGET_MS), so a backlog drains in one run;
   * the visitor (or partition) workflows drop any they already applied.
   */
  async function redispatchIngestOutbox(input: { limit: number }): Promise<{ redispatched: number }> {
    const cutoff = new Date(Date.now() - deps.config.OUTBOX_SWEEP_AFTER);
    const started = Date.now();
    const seen = new Set<string>();
    // A visitor whose hand-over failed sends nothing newer in this run: it must not overtake.
    const failed = new Set<string>();
    let redispatched = 0;
    let notBefore: Date | undefined;
    for (;;) {
      const page = await ingestRepository.findStale(cutoff, input.limit, notBefore);
      const fresh = page.filter((doc) => !seen.has(doc._id));
      if (fresh.length === 0) break;
      for (const doc of fresh) seen.add(doc._id);
      const events = fresh.map((doc): VisitorEvent => ({ ...doc.event, redelivered: true }));
      redispatched += await handOverInOrder(events, failed);
      if (page.length < input.limit || Date.now() - started > SWEEP_BUDGET_MS) break;
      // Inclusive: events of one batch share a receivedAt and may straddle the page boundary.
      notBefore = page[page.length - 1].receivedAt;
    }
    if (seen.size) deps.logger.info({ redispatched, found: seen.size }, 'outbox sweep re-dispatched accepted ingest events');
    return { redispatched };
  }

  /**
   * Each visitor's (or, with INGEST_PIPELINE=partitions, each partition's) events in one hand-over,
   * a few at a time; returns how many were handed over.
   */
  async function handOverInOrder(events: VisitorEvent[], failed: Set<string>): Promise<number> {
    const groups = [...groupByRoute(deps.config, events).entries()].filter(([key]) => !failed.has(key));
    let handedOver = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const [key, group] = groups[next++];
        const { workspaceId, visitorId } = group[0];
        await handOver(deps, group).then(
          () => (handedOver += group.length),
          (err) => {
            failed.add(key);
            deps.logger.error({ err, workspaceId, visitorId }, 'outbox sweep could not hand events to their visitor; will retry next sweep');
          },
        );
        heartbeat();
      }
    };
    await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
    return handedOver;
  }

  return { applyVisitorEvents, applyIngestBatch, parkVisitorEvent, redispatchIngestOutbox };
}

/**
 * An outage is retried until it passes; a failure of the events' own is reported as EVENT_FAILED
 * after a few attempts, so the workflow can find the poisonous event and park it.
 */
async function reportEventFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isTransientError(err) || Context.current().info.attempt < ATTEMPTS_BEFORE_PARKING) throw err;
    const error = err instanceof Error ? err : new Error(String(err));
    throw ApplicationFailure.create({ type: EVENT_FAILED, message: `${error.name}: ${error.message}`.slice(0, 1000), nonRetryable: true });
  }
}
