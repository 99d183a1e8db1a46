import { condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { VisitorEvent } from '../core/visitors/visitor-types';
import { eventFailureOf, RecentIds } from './pipeline-memory';

export interface IngestPartitionInput {
  partition: number;
  /** INGEST_PARTITIONS when it was started (for the memo and the state query). */
  partitions: number;
  /** Carried over continue-as-new: events received but not yet applied, recently applied ids, counters. */
  pending?: VisitorEvent[];
  recentIds?: string[];
  settledIds?: string[];
  applied?: number;
  parked?: number;
  /** History length at which the run continues as new (default 10,000; tests use less). */
  historyLimit?: number;
  /** INGEST_PARTITION_ACTIVITY: each batch as a local activity (default) or a regular one. */
  batchActivity?: 'local' | 'regular';
}

export interface IngestPartitionState {
  partition: number;
  partitions: number;
  /** Events received and not yet applied. */
  backlog: number;
  /** Events applied since the partition first started (carried over continue-as-new). */
  applied: number;
  /** Events set aside (parked) after they failed on every attempt. */
  parked: number;
  /** Events applied per second over the last few batches (0 when idle). */
  appliedPerSecond: number;
  lastBatch: { size: number; at: string; tookMs: number } | null;
  /**
   * Age of the oldest event waiting (ms since it was accepted), or, when none waits, of the last
   * batch's oldest event when it was applied. Measured at the partition's last workflow task (a
   * workflow's clock), so it can lag real time by the duration of the batch in progress.
   */
  lagMs: number;
  runId: string;
  historyLength: number;
}

/** Events for visitors of this partition (from ingest, the sweep, the API, or a merge forwarding to its target). */
export const ingestPartitionEventsSignal = defineSignal<[VisitorEvent[]]>('ingestPartitionEvents');
export const ingestPartitionStateQuery = defineQuery<IngestPartitionState>('state');

const BATCH = 300;
const RECENT_IDS = 5_000;
const MAX_HISTORY = 10_000;
const MAX_CARRIED = 5_000;
/** Temporal refuses payloads over 2 MB: what continue-as-new carries stays well under. */
const MAX_CARRIED_BYTES = 1_000_000;
const RATE_WINDOW = 10;

// A local activity: a batch is one activity whose only trace in the history is a marker. Retried
// without limit (an outage pauses the partition, it never drops events); a failure of the events'
// own comes back as EVENT_FAILED after a few attempts.
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// The same as a regular activity (INGEST_PARTITION_ACTIVITY=regular): scheduled, started and
// completed events in the history instead of a marker, but no workflow task held open meanwhile.
const regular = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { parkVisitorEvent } = local;

/**
 * One ingest partition (`ingest-partition-<n>`): applies the events of every visitor that maps to
 * it, a batch of up to BATCH at a time, each batch in one activity. A visitor maps to one
 * partition, so its events are applied in arrival order by one writer. Runs for good, continuing
 * as new before its history (or what it would carry) grows large.
 */
export async function ingestPartitionWorkflow(input: IngestPartitionInput): Promise<void> {
  // Remembered per visitor: a merged visitor's event is handed on, same id, to its person, who
  // may map to this same partition (before the patch, that copy was dropped as already applied).
  const perVisitor = patched('partition-recent-ids-per-visitor');
  const keyOf = (event: VisitorEvent): string => (perVisitor ? `${event.visitorId}\u0000${event.id}` : event.id);
  const queue: VisitorEvent[] = [...(input.pending ?? [])];
  const queuedIds = new Set(queue.map(keyOf));
  const recent = new RecentIds(input.recentIds ?? [], RECENT_IDS);
  const settled = new Set<string>(input.settledIds ?? []);
  let applied = input.applied ?? 0;
  let parked = input.parked ?? 0;
  let oneAtATime = 0;
  let lastBatch: IngestPartitionState['lastBatch'] = null;
  let lastLag = 0;
  const rate: Array<{ at: number; size: number }> = [];

  setHandler(ingestPartitionEventsSignal, (events) => {
    for (const event of events) {
      const key = keyOf(event);
      if (recent.has(key)) {
        if (settled.size < MAX_CARRIED) settled.add(event.id);
      } else if (!queuedIds.has(key)) {
        queue.push(event);
        queuedIds.add(key);
      }
    }
  });
  setHandler(ingestPartitionStateQuery, (): IngestPartitionState => {
    const now = Date.now();
    const recentRate = rate.filter((r) => now - r.at < 60_000);
    const span = recentRate.length > 1 ? (recentRate[recentRate.length - 1].at - recentRate[0].at) / 1000 : 0;
    const appliedPerSecond = span > 0 ? recentRate.slice(1).reduce((sum, r) => sum + r.size, 0) / span : 0;
    return {
      partition: input.partition,
      partitions: input.partitions,
      backlog: queue.length,
      applied,
      parked,
      appliedPerSecond: Math.round(appliedPerSecond * 10) / 10,
      lastBatch,
      lagMs: queue.length > 0 ? Math.max(0, now - queue[0].receivedAt) : lastLag,
      runId: workflowInfo().runId,
      historyLength: workflowInfo().historyLength,
    };
  });

  for (;;) {
    await condition(() => queue.length > 0 || settled.size > 0);
    const batch = queue.splice(0, oneAtATime > 0 ? 1 : BATCH);
    for (const event of batch) queuedIds.delete(keyOf(event));
    oneAtATime = Math.max(0, oneAtATime - batch.length);
    const settledIds = [...settled];
    settled.clear();
    const started = Date.now();
    try {
      const applyIngestBatch = input.batchActivity === 'regular' ? regular.applyIngestBatch : local.applyIngestBatch;
      await applyIngestBatch({ events: batch, settledIds });
    } catch (err) {
      const reason = eventFailureOf(err);
      if (reason === null) throw err;
      for (const id of settledIds) settled.add(id);
      if (batch.length > 1) {
        // Replay the batch one event at a time: the culprit is parked, the others are applied.
        queue.unshift(...batch);
        for (const event of batch) queuedIds.add(keyOf(event));
        oneAtATime = batch.length;
      } else {
        // Parked, not remembered as applied: a replay of it must reach the activity again.
        await parkVisitorEvent({ event: batch[0], error: reason });
        parked++;
      }
      continue;
    }
    for (const event of batch) recent.add(keyOf(event));
    applied += batch.length;
    const finished = Date.now();
    if (batch.length > 0) {
      lastBatch = { size: batch.length, at: new Date(finished).toISOString(), tookMs: finished - started };
      lastLag = Math.max(0, finished - Math.min(...batch.map((e) => e.receivedAt)));
      rate.push({ at: finished, size: batch.length });
      if (rate.length > RATE_WINDOW) rate.shift();
    }
    const info = workflowInfo();
    const historyFull = info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? MAX_HISTORY);
    if (historyFull && queue.length <= MAX_CARRIED && JSON.stringify(queue).length + JSON.stringify(recent.list()).length <= MAX_CARRIED_BYTES) {
      await continueAsNew<typeof ingestPartitionWorkflow>({ ...input, pending: queue, recentIds: recent.list(), settledIds: [...settled], applied, parked });
    }
  }
}
