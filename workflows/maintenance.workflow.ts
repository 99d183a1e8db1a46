import { proxyActivities } from '@temporalio/workflow';
import type { Activities, RetentionResult } from '../activities';

const { fanOutPendingEvents, redispatchIngestOutbox, deleteExpiredData, sweepSegmentMemberships } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run every minute by the `signalbox-outbox-sweep` schedule; also ends anonymous visitors' segment windows. */
export async function outboxSweepWorkflow(): Promise<{ fannedOut: number; redispatched: number; segmentsEvaluated: number }> {
  const [{ fannedOut }, { redispatched }, { evaluated }] = await Promise.all([fanOutPendingEvents({ limit: 500 }), redispatchIngestOutbox({ limit: 5_000 }), sweepSegmentMemberships({ limit: 1_000 })]);
  return { fannedOut, redispatched, segmentsEvaluated: evaluated };
}

/** Run hourly by the `signalbox-retention` schedule. */
export async function retentionWorkflow(input: { maxAgeMs?: number } = {}): Promise<RetentionResult> {
  return deleteExpiredData(input);
}
