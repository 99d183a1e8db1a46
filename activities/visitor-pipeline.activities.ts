import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { groupByVisitor, sendToVisitor } from '../core/ingest/send-to-visitor';
import { runIngestPartition as runPartition, type IngestPartitionRun } from '../core/ingest/run-ingest-partition';
import { ensureAllIngestPartitions } from '../core/ingest/start-ingest-partitions';
import { ingestRepository } from '../core/ingest/ingest.repository';
import { isTransientError } from '../core/platform/transient-errors';
import { ATTEMPTS_BEFORE_PARKING, EVENT_FAILED } from '../core/visitors/event-failure';
import { parkVisitorEvent as parkEvent } from '../core/visitors/park-visitor-event';
import type { VisitorEvent } from '../core/visitors/visitor-types';
import { applyVisitorEvents as applyEvents, type ApplyVisitorEventsInput } from '../core/visitors/apply-visitor-events';
import type { Deps } from '../core/platform/deps';

const SWEEP_CONCURRENCY = 8;
/** Below the partition activity's heartbeat timeout (20 s), with room for a busy event loop. */
const HEARTBEAT_EVERY_MS = 5_000;
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
   * The activity of ingestPartitionWorkflow (INGEST_PIPELINE=partitions): one run of polling the
   * partition's outbox rows and applying them. Heartbeats every few seconds, a long batch
   * included; Temporal's cancellation (worker shutdown, a lost heartbeat) ends it after the batch
   * in hand.
   */
  async function runIngestPartition(input: { partition: number; partitions: number; runForMs: number }): Promise<IngestPartitionRun> {
    const context = Context.current();
    const { workflowExecution: run, activityId, attempt } = context.info;
    const lease = { key: run?.workflowId ?? `ingest-partition-${input.partition}`, owner: `${run?.runId ?? 'standalone'}:${activityId}:${attempt}` };
    let progress: IngestPartitionRun | undefined;
    const beat = setInterval(() => context.heartbeat(progress), HEARTBEAT_EVERY_MS);
    try {
      return await runPartition(deps, { ...input, lease, signal: context.cancellationSignal, progress: (run) => (progress = run) });
    } finally {
      clearInterval(beat);
    }
  }

  /** Local activity of visitorWorkflow: sets aside an event that failed on every attempt. */
  async function parkVisitorEvent(input: { event: VisitorEvent; error: string }): Promise<void> {
    await parkEvent(deps, input.event, input.error);
  }

  /**
   * The ingest outbox sweep: events accepted more than OUTBOX_SWEEP_AFTER ago and still not
   * applied were never handed to Temporal (it was down, the API process died, or the API left a
   * visitor's events to the sweep to keep them in order). Hands them over again, oldest first, page
   * after page while pages come back full (up to SWEEP_BUDGET_MS), so a backlog drains in one run;
   * the visitor (or partition) workflows drop any they already applied.
   */
  async function redispatchIngestOutbox(input: { limit: number }): Promise<{ redispatched: number }> {
    if (deps.config.INGEST_PIPELINE === 'partitions') return checkPartitionsOfStaleEvents(input);
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
   * INGEST_PIPELINE=partitions: the partitions poll the outbox themselves, so nothing is handed
   * over. Rows written before they did get a route, and every partition's workflow is made sure
   * to run (it may have been terminated, or Temporal was down when events came). Returns how many
   * events wait past OUTBOX_SWEEP_AFTER.
   */
  async function checkPartitionsOfStaleEvents(input: { limit: number }): Promise<{ redispatched: number }> {
    const routed = await ingestRepository.routeUnrouted(input.limit);
    await ensureAllIngestPartitions(deps);
    const stale = await ingestRepository.findStale(new Date(Date.now() - deps.config.OUTBOX_SWEEP_AFTER), input.limit);
    if (routed || stale.length) deps.logger.info({ routed, waiting: stale.length }, 'outbox sweep: accepted ingest events wait for their partitions');
    return { redispatched: stale.length };
  }

  /**
   * Each visitor's events in one hand-over,
   * a few at a time; returns how many were handed over.
   */
  async function handOverInOrder(events: VisitorEvent[], failed: Set<string>): Promise<number> {
    const groups = [...groupByVisitor(events).entries()].filter(([key]) => !failed.has(key));
    let handedOver = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const [key, group] = groups[next++];
        const { workspaceId, visitorId } = group[0];
        await sendToVisitor(deps, { workspaceId, visitorId, events: group }).then(
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

  return { applyVisitorEvents, runIngestPartition, parkVisitorEvent, redispatchIngestOutbox };
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
