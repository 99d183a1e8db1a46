import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { webhookDispatchWorkflow } from '../../workflows';
import { deliveryQueueRepository } from './delivery-queue.repository';
import { dispatchPartitionOf, type DeliveryRef } from './delivery-ref';

/** How often a process re-checks that a dispatch workflow it queues for is running (one start call each). */
export const DISPATCH_CHECK_INTERVAL_MS = 60_000;

/**
 * Queues first attempts for their dispatch partition (`delivery_queue`) and makes sure the
 * partitions' workflows run. An event counts as fanned out only once this returned, so the outbox
 * sweep repeats a fan-out a crash interrupted; queuing a delivery twice keeps one row.
 */
export async function queueDeliveries(deps: Deps, refs: DeliveryRef[]): Promise<void> {
  if (refs.length === 0) return;
  const partitions = deps.config.WEBHOOK_DISPATCH_PARTITIONS;
  await deliveryQueueRepository.enqueue(refs, partitions);
  await Promise.all([...new Set(refs.map((r) => dispatchPartitionOf(r.subscriptionId, partitions)))].map((p) => dispatchStarterFor(deps).ensureRunning(p)));
}

/**
 * Starts a dispatch workflow unless this process checked it lately: a partition's workflow runs
 * for good, so a start per partition per DISPATCH_CHECK_INTERVAL_MS is all the hand-over costs
 * Temporal. (An operator who terminates one gets it back at the next check of any process.)
 */
export class DispatchStarter {
  private readonly checkedAt = new Map<number, number>();
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: Deps,
    private readonly now: () => number = Date.now,
  ) {}

  ensureRunning(partition: number): Promise<void> {
    const checked = this.checkedAt.get(partition);
    if (checked !== undefined && this.now() - checked < DISPATCH_CHECK_INTERVAL_MS) return Promise.resolve();
    const pending = this.inFlight.get(partition);
    if (pending) return pending;
    const start = startDispatchWorkflow(this.deps, partition)
      .then(() => void this.checkedAt.set(partition, this.now()))
      .finally(() => this.inFlight.delete(partition));
    this.inFlight.set(partition, start);
    return start;
  }
}

async function startDispatchWorkflow(deps: Deps, partition: number): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: taskQueue, WEBHOOK_DISPATCH_PARTITIONS: partitions } = deps.config;
  try {
    await deps.temporal.workflow.start(webhookDispatchWorkflow, {
      taskQueue,
      workflowId: workflowIds.webhookDispatch(taskQueue, partition),
      args: [{ partition, partitions }],
      typedSearchAttributes: [{ key: searchAttributes.status, value: 'dispatching' }],
      memo: { kind: 'webhook-dispatch', partition, partitions },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** One starter per Temporal client (so per process, and per test stack). */
const starters = new WeakMap<Client, DispatchStarter>();

function dispatchStarterFor(deps: Deps): DispatchStarter {
  let starter = starters.get(deps.temporal);
  if (!starter) {
    starter = new DispatchStarter(deps);
    starters.set(deps.temporal, starter);
  }
  return starter;
}
