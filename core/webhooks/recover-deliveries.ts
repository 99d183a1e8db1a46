import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { AppError } from '../platform/errors';
import { isTransientError } from '../platform/transient-errors';
import { randomAlphanumeric } from '../workspaces/api-keys';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliveryRepository } from './delivery.repository';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import type { Deps } from '../platform/deps';
import { restartDelivery } from './retry-delivery';
import { recoverDeliveriesWorkflow, recoveryProgressQuery, type RecoveryPosition, type RecoveryProgress } from '../../workflows';
import { redactUrl } from './redact-url';

export interface RecoveryScope {
  workspaceId: string;
  subscriptionId: string;
}

/** Only a worker answers a query: with none free, Temporal would hold the request for 30 s. */
const PROGRESS_QUERY_TIMEOUT_MS = 5_000;

export type RecoveryPageInput = RecoveryScope & { since: string; until: string; limit: number; position: RecoveryPosition };

export type RecoveryState = Omit<RecoveryProgress, 'status'> & { status: RecoveryProgress['status'] | 'failed' };

/**
 * After an outage on the receiver's side: re-deliver every delivery of the subscription since
 * `since` that has not succeeded — failed ones, ones canceled while it was disabled, and ones
 * still waiting hours for their next scheduled retry. Runs as the workflow
 * `recover-<subscription>-<unique>`, however many deliveries there are; returns its id.
 */
export async function startDeliveryRecovery(deps: Deps, { workspaceId, subscriptionId, since }: RecoveryScope & { since: Date }): Promise<{ recoveryId: string }> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId);
  if (!subscription) throw AppError.notFound('Webhook subscription');
  if (!subscription.active) throw new AppError('conflict', 'The subscription is disabled: re-enable it with PATCH {"active": true} first');
  const recoveryId = workflowIds.deliveryRecovery(subscriptionId, randomAlphanumeric(8).toLowerCase());
  await deps.temporal.workflow.start(recoverDeliveriesWorkflow, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: recoveryId,
    args: [{ workspaceId, subscriptionId, since: since.toISOString(), startedAt: new Date().toISOString() }],
    typedSearchAttributes: [
      { key: searchAttributes.workspaceId, value: workspaceId },
      { key: searchAttributes.subscriptionId, value: subscriptionId },
    ],
    memo: { url: redactUrl(subscription.url), since: since.toISOString() },
  });
  return { recoveryId };
}

/**
 * One page of a recovery (the workflow's activity): restarts up to `limit` not-delivered
 * deliveries after `position`, oldest first, each in a new attempt series, and reports the
 * position after each one so a retried page resumes there.
 */
export async function recoverDeliveryPage(
  deps: Deps,
  input: RecoveryPageInput,
  onProgress: (position: RecoveryPosition) => void,
): Promise<{ position: RecoveryPosition; more: boolean }> {
  const after = input.position.after ? { createdAt: new Date(input.position.after.createdAt), id: input.position.after.id } : undefined;
  const page = await deliveryRepository.findRecoverable(input.workspaceId, input.subscriptionId, { since: new Date(input.since), until: new Date(input.until), after, limit: input.limit });
  let position = input.position;
  for (const listed of page) {
    const { mode } = await restartDelivery(deps, { delivery: listed, skipIfDelivered: true, newSeries: true });
    position = {
      after: { createdAt: listed.createdAt.toISOString(), id: listed._id },
      found: position.found + 1,
      recovered: position.recovered + (mode === 'already_delivered' ? 0 : 1),
    };
    onProgress(position);
  }
  return { position, more: page.length === input.limit };
}

/**
 * A recovery of one of the workspace's subscriptions: its progress while it runs, its result
 * once it completed. Any other id (another subscription's, another workflow's) is not found.
 */
export async function getDeliveryRecovery(deps: Deps, { workspaceId, subscriptionId, recoveryId }: RecoveryScope & { recoveryId: string }): Promise<RecoveryState> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId);
  if (!subscription || !workflowIds.isDeliveryRecoveryOf(subscriptionId, recoveryId)) throw AppError.notFound('Recovery');
  const handle = deps.temporal.workflow.getHandle<typeof recoverDeliveriesWorkflow>(recoveryId);
  const description = await handle.describe().catch((err: unknown) => {
    throw err instanceof WorkflowNotFoundError ? AppError.notFound('Recovery') : err;
  });
  switch (description.status.name) {
    case 'RUNNING':
      return queryProgress(deps, handle);
    case 'COMPLETED':
      return handle.result();
    default: // failed, terminated, canceled or timed out: how far it got
      return { ...(await queryProgress(deps, handle)), status: 'failed' };
  }
}

async function queryProgress(deps: Deps, handle: WorkflowHandle<typeof recoverDeliveriesWorkflow>): Promise<RecoveryProgress> {
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + PROGRESS_QUERY_TIMEOUT_MS, () => handle.query(recoveryProgressQuery));
  } catch (err) {
    if (isTransientError(err)) throw new AppError('service_unavailable', 'No worker answered for the recovery just now; try again shortly');
    throw err;
  }
}
