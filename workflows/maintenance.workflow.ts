import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { fanOutPendingEvents, deleteExpiredData } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run every minute by the `signalbox-outbox-sweep` schedule. */
export async function outboxSweepWorkflow(): Promise<{ fannedOut: number }> {
  return fanOutPendingEvents({ limit: 500 });
}

/** Run hourly by the `signalbox-retention` schedule. */
export async function retentionWorkflow(input: { maxAgeMs?: number } = {}): Promise<{ events: number; deliveries: number; rateLimitCounters: number }> {
  return deleteExpiredData(input);
}
