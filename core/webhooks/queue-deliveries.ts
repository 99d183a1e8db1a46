import { KeepRunning, perClient, RUNNING_CHECK_INTERVAL_MS, startUnlessRunning } from '../platform/temporal/keep-running';
import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { webhookDispatchWorkflow } from '../../workflows';
import { deliveryQueueRepository } from './delivery-queue.repository';
import { dispatchPartitionOf, type DeliveryRef } from './delivery-ref';

/** How often a process re-checks that a dispatch workflow it queues for is running (one start call each). */
export const DISPATCH_CHECK_INTERVAL_MS = RUNNING_CHECK_INTERVAL_MS;

/**
 * Queues first attempts for their dispatch partition (`delivery_queue`) and makes sure the
 * partitions' workflows run. An event counts as fanned out only once this returned, so the outbox
 * sweep repeats a fan-out a crash interrupted; queuing a delivery twice keeps one row.
 */
export async function queueDeliveries(deps: Deps, refs: DeliveryRef[]): Promise<void> {
  if (refs.length === 0) return;
  const partitions = deps.config.WEBHOOK_DISPATCH_PARTITIONS;
  await deliveryQueueRepository.enqueue(refs, partitions);
  const starter = dispatchStarterFor(deps);
  await Promise.all([...new Set(refs.map((r) => dispatchPartitionOf(r.subscriptionId, partitions)))].map((p) => starter.ensureRunning(p)));
}

/** Starts a dispatch workflow unless this process checked it lately (KeepRunning). */
export class DispatchStarter extends KeepRunning {
  constructor(deps: Deps, now: () => number = Date.now) {
    super((partition) => startDispatchWorkflow(deps, partition), now);
  }
}

async function startDispatchWorkflow(deps: Deps, partition: number): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: taskQueue, WEBHOOK_DISPATCH_PARTITIONS: partitions } = deps.config;
  await startUnlessRunning(() =>
    deps.temporal.workflow.start(webhookDispatchWorkflow, {
      taskQueue,
      workflowId: workflowIds.webhookDispatch(taskQueue, partition),
      args: [{ partition, partitions }],
      typedSearchAttributes: [{ key: searchAttributes.status, value: 'dispatching' }],
      memo: { kind: 'webhook-dispatch', partition, partitions },
    }),
  );
}

/** One starter per Temporal client (so per process, and per test stack). */
const dispatchStarterFor = perClient((deps) => new DispatchStarter(deps));
