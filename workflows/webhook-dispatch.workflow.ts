import { condition, continueAsNew, defineQuery, defineSignal, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, DeliveryBatchResult } from '../activities';
import type { DeliveryRef } from '../core/webhooks/delivery-ref';
import { RecentIds } from './pipeline-memory';

export interface WebhookDispatchInput {
  partition: number;
  /** WEBHOOK_DISPATCH_PARTITIONS when it was started (memo and state query). */
  partitions: number;
  /** Carried over continue-as-new. */
  pending?: DeliveryRef[];
  recentIds?: string[];
  totals?: DeliveryBatchResult;
  /** History length at which the run continues as new (default 10,000; tests use less). */
  historyLimit?: number;
}

export interface WebhookDispatchState {
  partition: number;
  partitions: number;
  /** Deliveries handed over and not yet sent. */
  queued: number;
  /** The batch being sent now. */
  inFlight: number;
  totals: DeliveryBatchResult;
  lastBatch: { size: number; at: string; tookMs: number } | null;
  /** Age of the oldest delivery waiting to be sent, or of the last batch's oldest when it was sent (ms). */
  lagMs: number;
  runId: string;
  historyLength: number;
}

/** New deliveries (first attempts) for endpoints of this partition. */
export const deliveriesQueuedSignal = defineSignal<[DeliveryRef[]]>('deliveriesQueued');
export const webhookDispatchStateQuery = defineQuery<WebhookDispatchState>('state');

const BATCH = 500;
const RECENT_IDS = 10_000;
const MAX_HISTORY = 10_000;
const MAX_CARRIED = 5_000;

// A local activity: a batch's only trace in the history is a marker. Retried without limit (an
// outage pauses the partition, never drops a delivery); a retried batch re-reads its deliveries
// and skips those already sent. Its duration is bounded by the HTTP deadline: an endpoint that
// hangs opens its circuit after WEBHOOK_CIRCUIT_FAILURES attempts and the rest of it waits.
const { sendDeliveryBatch } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const emptyTotals = (): DeliveryBatchResult => ({ sent: 0, succeeded: 0, retrying: 0, waiting: 0, failed: 0, canceled: 0, skipped: 0 });

/**
 * One webhook dispatch partition (`webhook-dispatch-<n>`): sends the first attempt of every new
 * delivery to the endpoints that map to it, up to BATCH at a time, each batch in one activity.
 * Deliveries whose attempt failed leave the partition for a workflow of their own. Runs for
 * good, continuing as new before its history grows large.
 */
export async function webhookDispatchWorkflow(input: WebhookDispatchInput): Promise<void> {
  const queue: DeliveryRef[] = [...(input.pending ?? [])];
  const recent = new RecentIds(input.recentIds ?? [], RECENT_IDS);
  const totals = input.totals ?? emptyTotals();
  let inFlight = 0;
  let lastBatch: WebhookDispatchState['lastBatch'] = null;
  let lastLag = 0;

  setHandler(deliveriesQueuedSignal, (refs) => {
    for (const ref of refs) {
      // A ref handed over again (the outbox sweep) after it was sent is dropped here; one still
      // queued is sent once. The batch re-reads it in any case (recheck).
      if (recent.has(ref.deliveryId) && !ref.recheck) continue;
      queue.push(ref);
      recent.add(ref.deliveryId);
    }
  });
  setHandler(webhookDispatchStateQuery, () => ({
    partition: input.partition,
    partitions: input.partitions,
    queued: queue.length,
    inFlight,
    totals,
    lastBatch,
    lagMs: queue.length > 0 ? Math.max(0, Date.now() - queue[0].queuedAt) : lastLag,
    runId: workflowInfo().runId,
    historyLength: workflowInfo().historyLength,
  }));

  for (;;) {
    await condition(() => queue.length > 0);
    const batch = queue.splice(0, BATCH);
    inFlight = batch.length;
    const started = Date.now();
    const result = await sendDeliveryBatch({ deliveries: batch });
    inFlight = 0;
    for (const key of Object.keys(totals) as Array<keyof DeliveryBatchResult>) totals[key] += result[key];
    const finished = Date.now();
    lastBatch = { size: batch.length, at: new Date(finished).toISOString(), tookMs: finished - started };
    lastLag = Math.max(0, finished - Math.min(...batch.map((r) => r.queuedAt)));
    const info = workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? MAX_HISTORY)) && queue.length <= MAX_CARRIED) {
      await continueAsNew<typeof webhookDispatchWorkflow>({ ...input, pending: queue, recentIds: recent.list(), totals });
    }
  }
}
