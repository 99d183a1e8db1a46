import { setTimeout as sleep } from 'node:timers/promises';
import type { Deps } from '../platform/deps';
import { isTransientError } from '../platform/transient-errors';
import { ATTEMPTS_BEFORE_PARKING } from '../visitors/event-failure';
import { parkVisitorEvent } from '../visitors/park-visitor-event';
import type { VisitorEvent } from '../visitors/visitor-types';
import { applyIngestBatch } from './apply-ingest-batch';
import { ingestRepository } from './ingest.repository';
import { partitionLeaseRepository } from './partition-lease.repository';

/** What one run of a partition did (the workflow adds runs up; its state query shows them). */
export interface IngestPartitionRun {
  batches: number;
  applied: number;
  /** Events set aside after failing on every attempt (list and replay them through /api/v1/parked-events). */
  parked: number;
  lastBatch: { size: number; at: string; tookMs: number } | null;
  /** Age of the last batch's oldest event when it was applied (ms since accepted). */
  lagMs: number;
  /** Rows of the partition left waiting by the run's last poll and batch: 0, or (after a full batch) at least a batch's worth. */
  backlog: number;
  startedAt: string;
  finishedAt: string | null;
  /** It stopped because a newer run held the partition. */
  superseded?: boolean;
}

export interface RunIngestPartitionInput {
  partition: number;
  partitions: number;
  runForMs: number;
  /** The partition's lease: its key (the workflow id) and this run's token. */
  lease: { key: string; owner: string };
  /** Aborted when the worker shuts down or Temporal cancels the run: it returns after the batch in hand. */
  signal: AbortSignal;
  /** Called between batches with the run so far (the activity heartbeats it). */
  progress?: (run: IngestPartitionRun) => void;
}

/**
 * A run that takes a lease its predecessor used this recently waits LEASE_GRACE_MS first: the
 * predecessor may be alive (a stalled worker Temporal gave up on) and finishing a batch; it checks
 * the lease before its next one.
 */
const LEASE_RECENT_MS = 30_000;
const LEASE_GRACE_MS = 5_000;
/** Rows read per poll, at most: one batch. */
const BATCH = 300;
/** Poll interval of an idle partition: doubles from the first to the second while nothing waits. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 100;

/**
 * One run of an ingest partition (INGEST_PIPELINE=partitions): polls the outbox rows whose route
 * maps to the partition and applies them, oldest first, a batch at a time, until runForMs has
 * passed or the signal aborts. The outbox is the hand-over, so an event costs Temporal nothing;
 * a visitor maps to one partition, so one run is its only writer and applies its events in order.
 *
 * The run holds the partition's lease and checks it before each batch: a run Temporal has given up
 * on stops rather than write alongside its successor. An outage fails the run (Temporal runs it
 * again with backoff; the rows wait). A batch that fails for a reason of its own is applied one
 * event at a time, each tried a few times: the culprit is parked, the rest applied.
 */
export async function runIngestPartition(deps: Deps, input: RunIngestPartitionInput): Promise<IngestPartitionRun> {
  const started = Date.now();
  const run: IngestPartitionRun = { batches: 0, applied: 0, parked: 0, lastBatch: null, lagMs: 0, backlog: 0, startedAt: new Date(started).toISOString(), finishedAt: null };
  const { key, owner } = input.lease;
  const previous = await partitionLeaseRepository.take(key, owner);
  if (previous?.owner && previous.owner !== owner && Date.now() - previous.touchedAt.getTime() < LEASE_RECENT_MS) {
    deps.logger.warn({ partition: input.partition, previous: previous.owner }, 'ingest partition taken over from a run that may still be finishing a batch; waiting for it');
    await sleep(LEASE_GRACE_MS, undefined, { signal: input.signal }).catch(() => undefined);
  }
  let idleMs = POLL_MIN_MS;
  while (!input.signal.aborted && Date.now() - started < input.runForMs) {
    input.progress?.(run);
    const rows = await ingestRepository.nextForPartition(input.partition, input.partitions, BATCH);
    run.backlog = rows.length;
    if (rows.length === 0) {
      await sleep(idleMs, undefined, { signal: input.signal }).catch(() => undefined);
      idleMs = Math.min(idleMs * 2, POLL_MAX_MS);
      continue;
    }
    if (!(await partitionLeaseRepository.touchIfHeld(key, owner))) {
      deps.logger.warn({ partition: input.partition, owner }, 'ingest partition run stops: a newer run holds the partition');
      run.superseded = true;
      break;
    }
    idleMs = POLL_MIN_MS;
    const events = rows.flatMap((row) => [...(row.before ?? []), row.event]);
    const batchStarted = Date.now();
    // Fewer rows than a batch: the poll read the whole outbox, about `partitions` times these rows.
    // Scanning that for one `$in` delete costs FerretDB less than a delete per row (≈ 0.1 vs 1 ms a row) below 10 partitions.
    await applyOrPark(deps, events, run, rows.length < BATCH && input.partitions < 10);
    const finished = Date.now();
    run.batches++;
    run.lastBatch = { size: events.length, at: new Date(finished).toISOString(), tookMs: finished - batchStarted };
    run.lagMs = Math.max(0, finished - Math.min(...events.map((e) => e.receivedAt)));
    // The rows just applied no longer wait; a full batch says more may.
    run.backlog = rows.length < BATCH ? 0 : rows.length;
  }
  if (!run.superseded) await partitionLeaseRepository.release(key, owner);
  run.finishedAt = new Date().toISOString();
  return run;
}

async function applyOrPark(deps: Deps, events: VisitorEvent[], run: IngestPartitionRun, outboxIsSmall: boolean): Promise<void> {
  try {
    run.applied += (await applyIngestBatch(deps, { events, outboxIsSmall })).applied;
    return;
  } catch (err) {
    if (isTransientError(err)) throw err;
  }
  for (const event of events) await applyOneOrPark(deps, event, run);
}

/** Applies one event, trying it a few times; parks it if it fails for a reason of its own every time. */
async function applyOneOrPark(deps: Deps, event: VisitorEvent, run: IngestPartitionRun): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      run.applied += (await applyIngestBatch(deps, { events: [event] })).applied;
      return;
    } catch (err) {
      if (isTransientError(err)) throw err;
      if (attempt >= ATTEMPTS_BEFORE_PARKING) {
        await parkVisitorEvent(deps, event, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        run.parked++;
        return;
      }
      await sleep(250 * attempt);
    }
  }
}
