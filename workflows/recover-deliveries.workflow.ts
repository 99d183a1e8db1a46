import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** How far a recovery has got: the last delivery it handled (oldest first) and its counts so far. */
export interface RecoveryPosition {
  after: { createdAt: string; id: string } | null;
  found: number;
  recovered: number;
}

export interface RecoverDeliveriesInput {
  workspaceId: string;
  subscriptionId: string;
  /** Deliveries created from `since` up to `startedAt` (the request); later ones are new, not lost. */
  since: string;
  startedAt: string;
  /** Carried over continue-as-new. */
  position?: RecoveryPosition;
  /** Deliveries per activity (default 100) and history length that continues as new (default 2,000); tests use less. */
  pageSize?: number;
  historyLimit?: number;
}

export interface RecoveryProgress {
  status: 'running' | 'completed';
  /** Deliveries not delivered when the recovery reached them. */
  found: number;
  /** Of those, re-delivered (the others had succeeded meanwhile). */
  recovered: number;
  startedAt: string;
  finishedAt: string | null;
}

export const recoveryProgressQuery = defineQuery<RecoveryProgress>('progress');

const PAGE_SIZE = 100;
const MAX_HISTORY = 2_000;

// A page restarts up to PAGE_SIZE delivery workflows and heartbeats after each; a retried page
// resumes after the last one it heartbeated. Handing over a delivery waits for an attempt in
// flight (at most the 30 s webhook deadline plus its margin), hence the heartbeat timeout.
const { recoverDeliveryPage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * `recover-<subscription>-<unique>` (POST /webhooks/:id/recover): re-delivers the subscription's
 * deliveries that were not delivered, one page per activity, oldest first, and continues as new
 * before its history grows large. The `progress` query (and the result) feed GET …/recoveries/:id.
 */
export async function recoverDeliveriesWorkflow(input: RecoverDeliveriesInput): Promise<RecoveryProgress> {
  let position = input.position ?? { after: null, found: 0, recovered: 0 };
  const progress: RecoveryProgress = { status: 'running', found: position.found, recovered: position.recovered, startedAt: input.startedAt, finishedAt: null };
  setHandler(recoveryProgressQuery, () => progress);

  for (;;) {
    const page = await recoverDeliveryPage({
      workspaceId: input.workspaceId,
      subscriptionId: input.subscriptionId,
      since: input.since,
      until: input.startedAt,
      limit: input.pageSize ?? PAGE_SIZE,
      position,
    });
    position = page.position;
    progress.found = position.found;
    progress.recovered = position.recovered;
    if (!page.more) break;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY)) {
      await continueAsNew<typeof recoverDeliveriesWorkflow>({ ...input, position });
    }
  }
  progress.status = 'completed';
  progress.finishedAt = new Date().toISOString();
  return progress;
}
