import type { Client } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliveriesQueuedSignal, webhookDispatchWorkflow } from '../../workflows';
import { dispatchPartitionOf, type DeliveryRef } from './delivery-ref';

/** Refs per signal; a ref is ~250 bytes, so a signal stays far below Temporal's 2 MB payload limit. */
const MAX_REFS_PER_SIGNAL = 2_000;

interface Waiting {
  refs: DeliveryRef[];
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

/**
 * Gathers the deliveries a process creates for WEBHOOK_DISPATCH_LINGER, and while the partition's
 * previous signal is in flight, and hands each dispatch partition its share in one
 * signal-with-start, so a burst costs a few signals rather than one workflow per delivery. Callers wait for their signal: an event is marked fanned out only once
 * its deliveries are with Temporal, and the outbox sweep repeats the fan-out of one that is not.
 */
export class DeliveryHandOff {
  private waiting = new Map<number, Waiting>();
  /** Partitions with a signal in flight: what arrives meanwhile goes in the next one (bigger batches under load, no added latency when idle). */
  private readonly sending = new Set<number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: Deps) {}

  handOver(refs: DeliveryRef[]): Promise<void> {
    if (refs.length === 0) return Promise.resolve();
    const partitions = this.deps.config.WEBHOOK_DISPATCH_PARTITIONS;
    const byPartition = new Map<number, DeliveryRef[]>();
    for (const ref of refs) {
      const partition = dispatchPartitionOf(ref.subscriptionId, partitions);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), ref]);
    }
    const done = [...byPartition].map(
      ([partition, list]) =>
        new Promise<void>((resolve, reject) => {
          const entry = this.waiting.get(partition) ?? { refs: [], waiters: [] };
          entry.refs.push(...list);
          entry.waiters.push({ resolve, reject });
          this.waiting.set(partition, entry);
        }),
    );
    this.schedule();
    return Promise.all(done).then(() => undefined);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.deps.config.WEBHOOK_DISPATCH_LINGER);
  }

  private flush(): void {
    for (const [partition, entry] of this.waiting) {
      if (this.sending.has(partition)) continue;
      this.waiting.delete(partition);
      void this.signal(partition, entry);
    }
  }

  private async signal(partition: number, { refs, waiters }: Waiting): Promise<void> {
    this.sending.add(partition);
    try {
      for (let i = 0; i < refs.length; i += MAX_REFS_PER_SIGNAL) await signalPartition(this.deps, partition, refs.slice(i, i + MAX_REFS_PER_SIGNAL));
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.sending.delete(partition);
      if (this.waiting.has(partition)) this.flush();
    }
  }
}

/** Hands refs to the dispatch workflow of their partition, starting it when it is not running. */
export async function signalPartition(deps: Deps, partition: number, refs: DeliveryRef[]): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: taskQueue, WEBHOOK_DISPATCH_PARTITIONS: partitions } = deps.config;
  await deps.temporal.workflow.signalWithStart(webhookDispatchWorkflow, {
    taskQueue,
    workflowId: workflowIds.webhookDispatch(taskQueue, partition),
    args: [{ partition, partitions }],
    signal: deliveriesQueuedSignal,
    signalArgs: [refs],
    typedSearchAttributes: [{ key: searchAttributes.status, value: 'dispatching' }],
    memo: { kind: 'webhook-dispatch', partition, partitions },
  });
}

/** One hand-off per Temporal client (so per process, and per test stack). */
const handOffs = new WeakMap<Client, DeliveryHandOff>();

export function handOverDeliveries(deps: Deps, refs: DeliveryRef[]): Promise<void> {
  let handOff = handOffs.get(deps.temporal);
  if (!handOff) {
    handOff = new DeliveryHandOff(deps);
    handOffs.set(deps.temporal, handOff);
  }
  return handOff.handOver(refs);
}
