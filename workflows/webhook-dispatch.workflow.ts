import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, DispatchRunResult } from '../activities';

export interface WebhookDispatchInput {
  partition: number;
  /** WEBHOOK_DISPATCH_PARTITIONS when it was started (memo and state query). */
  partitions: number;
  /** Carried over continue-as-new. */
  totals?: DispatchRunResult;
  /** How long one activity run polls and sends before it returns (default 10 minutes; tests use less). */
  runForMs?: number;
  /** Runs per workflow run before it continues as new (default 100). */
  runsPerWorkflowRun?: number;
}

export interface WebhookDispatchState {
  partition: number;
  partitions: number;
  /** Since the partition first started (carried over continue-as-new). */
  totals: DispatchRunResult;
  /** The activity run polling now (one per partition at a time), its start. */
  runStartedAt: string | null;
  lastRun: DispatchRunResult | null;
  runId: string;
  historyLength: number;
}

export const webhookDispatchStateQuery = defineQuery<WebhookDispatchState>('state');

const RUN_FOR_MS = 10 * 60_000;
const RUNS_PER_WORKFLOW_RUN = 100;

// One long activity per run: it polls the partition's queue and sends batch after batch, so a
// delivery costs Temporal nothing while its first attempt succeeds. It heartbeats; a worker that
// dies loses it for HEARTBEAT_TIMEOUT, after which another worker runs it again (the interrupted
// batch's deliveries not yet recorded are sent again: at-least-once). Retried without limit: an
// outage pauses the partition, never drops a delivery.
const { dispatchQueuedDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const emptyTotals = (): DispatchRunResult => ({ batches: 0, sent: 0, succeeded: 0, retrying: 0, waiting: 0, failed: 0, canceled: 0, skipped: 0 });

/**
 * One webhook dispatch partition (`webhook-dispatch-<n>`): sends the first attempt of every new
 * delivery to the endpoints that map to it, in batches, each batch with bounded concurrency per
 * endpoint and its writes in bulk. Deliveries whose attempt failed leave it for a workflow of
 * their own. Runs for good; fan-out starts it when it is not running.
 */
export async function webhookDispatchWorkflow(input: WebhookDispatchInput): Promise<void> {
  const totals = input.totals ?? emptyTotals();
  let runStartedAt: string | null = null;
  let lastRun: DispatchRunResult | null = null;
  setHandler(webhookDispatchStateQuery, () => ({
    partition: input.partition,
    partitions: input.partitions,
    totals,
    runStartedAt,
    lastRun,
    runId: workflowInfo().runId,
    historyLength: workflowInfo().historyLength,
  }));

  for (let run = 0; run < (input.runsPerWorkflowRun ?? RUNS_PER_WORKFLOW_RUN); run++) {
    runStartedAt = new Date().toISOString();
    lastRun = await dispatchQueuedDeliveries({ partition: input.partition, runForMs: input.runForMs ?? RUN_FOR_MS });
    runStartedAt = null;
    for (const key of Object.keys(totals) as Array<keyof DispatchRunResult>) totals[key] += lastRun[key];
  }
  await continueAsNew<typeof webhookDispatchWorkflow>({ ...input, totals });
}
