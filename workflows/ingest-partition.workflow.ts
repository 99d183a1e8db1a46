import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, IngestPartitionRun } from '../activities';

export interface IngestPartitionInput {
  partition: number;
  /** INGEST_PARTITIONS when it was started (for the memo and the state query). */
  partitions: number;
  /** Carried over continue-as-new. */
  applied?: number;
  parked?: number;
  batches?: number;
  /** How long one activity run polls and applies before it returns (INGEST_PARTITION_RUN, default 1 minute). */
  runForMs?: number;
  /** Runs per workflow run before it continues as new (default 500). */
  runsPerWorkflowRun?: number;
}

export interface IngestPartitionState {
  partition: number;
  partitions: number;
  /** Events waiting in the outbox for this partition when the last run ended. */
  backlog: number;
  /** Events applied since the partition first started (carried over continue-as-new). */
  applied: number;
  /** Events set aside (parked) after they failed on every attempt. */
  parked: number;
  batches: number;
  /** Events applied per second over the last run. */
  appliedPerSecond: number;
  lastBatch: IngestPartitionRun['lastBatch'];
  /** Age of the last batch's oldest event when it was applied (ms since accepted). */
  lagMs: number;
  /** The run polling now (one per partition at a time), its start; the last run's end. */
  runStartedAt: string | null;
  lastRunAt: string | null;
  runId: string;
  historyLength: number;
}

export const ingestPartitionStateQuery = defineQuery<IngestPartitionState>('state');

const RUN_FOR_MS = 60_000;
const RUNS_PER_WORKFLOW_RUN = 500;

// One long activity per run: it polls the partition's rows of the ingest outbox and applies them
// batch after batch, so an event costs Temporal nothing. It heartbeats; a worker that dies loses
// it for the heartbeat timeout, after which another worker runs it again (an interrupted batch is
// applied again, which changes nothing twice). Retried without limit: an outage pauses the
// partition, it never drops events.
const { runIngestPartition } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One ingest partition (`ingest-partition-<n>`): applies the events of every visitor that maps to
 * it, in batches, each visitor's in order (INGEST_PIPELINE=partitions). The hand-over is the
 * ingest outbox, not signals: a run of one activity polls it for a minute at a time. Runs for
 * good, continuing as new every RUNS_PER_WORKFLOW_RUN runs; the API, the sweep and the worker
 * start it when it is not running.
 */
export async function ingestPartitionWorkflow(input: IngestPartitionInput): Promise<void> {
  let applied = input.applied ?? 0;
  let parked = input.parked ?? 0;
  let batches = input.batches ?? 0;
  let runStartedAt: string | null = null;
  let lastRun = null as IngestPartitionRun | null;
  setHandler(ingestPartitionStateQuery, (): IngestPartitionState => {
    const ranMs = lastRun?.finishedAt ? Date.parse(lastRun.finishedAt) - Date.parse(lastRun.startedAt) : 0;
    return {
      partition: input.partition,
      partitions: input.partitions,
      backlog: lastRun?.backlog ?? 0,
      applied,
      parked,
      batches,
      appliedPerSecond: lastRun && ranMs > 0 ? Math.round((lastRun.applied / ranMs) * 10_000) / 10 : 0,
      lastBatch: lastRun?.lastBatch ?? null,
      lagMs: lastRun?.lagMs ?? 0,
      runStartedAt,
      lastRunAt: lastRun?.finishedAt ?? null,
      runId: workflowInfo().runId,
      historyLength: workflowInfo().historyLength,
    };
  });

  for (let run = 0; run < (input.runsPerWorkflowRun ?? RUNS_PER_WORKFLOW_RUN); run++) {
    runStartedAt = new Date().toISOString();
    const result = await runIngestPartition({ partition: input.partition, partitions: input.partitions, runForMs: input.runForMs ?? RUN_FOR_MS });
    runStartedAt = null;
    // A run that applied nothing keeps the last batch's figures.
    const previous = lastRun;
    lastRun = result.batches > 0 || previous === null ? result : { ...result, lastBatch: previous.lastBatch, lagMs: previous.lagMs };
    applied += result.applied;
    parked += result.parked;
    batches += result.batches;
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof ingestPartitionWorkflow>({ ...input, applied, parked, batches });
}
