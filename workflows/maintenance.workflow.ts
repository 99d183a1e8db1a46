import { proxyActivities } from '@temporalio/workflow';
import type { Activities, RetentionResult } from '../activities';

const { fanOutPendingEvents, redispatchIngestOutbox, deleteExpiredData } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run every minute by the `signalbox-outbox-sweep` schedule. */
export async function outboxSweepWorkflow(): Promise<{ fannedOut: number; redispatched: number }> {
  const [{ fannedOut }, { redispatched }] = await Promise.all([fanOutPendingEvents({ limit: 500 }), redispatchIngestOutbox({ limit: 5_000 })]);
  return { fannedOut, redispatched };
}

/** Run hourly by the `signalbox-retention` schedule. */
export async function retentionWorkflow(input: { maxAgeMs?: number } = {}): Promise<RetentionResult> {
  return deleteExpiredData(input);
}
