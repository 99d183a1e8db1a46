import { WorkflowNotFoundError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { KeepRunning, perClient, startUnlessRunning } from '../platform/temporal/keep-running';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { ingestPartitionWorkflow } from '../../workflows';
import { partitionOf } from './ingest-partition';

/** In the memo of partition runs that poll the outbox (earlier runs were fed by signals). */
const HANDOVER = 'outbox';

/**
 * Makes sure the partition workflows of these visitors' events run (INGEST_PIPELINE=partitions):
 * at most one start call per partition per RUNNING_CHECK_INTERVAL_MS in this process.
 */
export async function ensureIngestPartitionsFor(deps: Deps, events: ReadonlyArray<{ workspaceId: string; visitorId: string }>): Promise<void> {
  const partitions = new Set(events.map((e) => partitionOf(e.workspaceId, e.visitorId, deps.config.INGEST_PARTITIONS)));
  const starter = starterFor(deps);
  await Promise.all([...partitions].map((p) => starter.ensureRunning(p)));
}

/** Makes sure every partition's workflow runs (the worker at start-up, the outbox sweep). */
export async function ensureAllIngestPartitions(deps: Deps): Promise<void> {
  const starter = starterFor(deps);
  await Promise.all(Array.from({ length: deps.config.INGEST_PARTITIONS }, (_, p) => starter.ensureRunning(p)));
}

/**
 * Ends a partition run of an earlier version, fed by signals (it would wait for signals that no
 * longer come): its events are all still in the outbox, where the new run finds them. Returns
 * the partitions replaced. Run by the worker at start-up, before ensureAllIngestPartitions.
 */
export async function replaceSignalFedPartitions(deps: Deps): Promise<number[]> {
  const replaced: number[] = [];
  for (let partition = 0; partition < deps.config.INGEST_PARTITIONS; partition++) {
    const handle = deps.temporal.workflow.getHandle(workflowIds.ingestPartition(deps.config.TEMPORAL_TASK_QUEUE, partition));
    const description = await handle.describe().catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    });
    if (description?.status.name !== 'RUNNING') continue;
    const memo = (await description.memo) as { handover?: string } | undefined;
    if (memo?.handover === HANDOVER) continue;
    await handle.terminate('replaced by a partition run that polls the ingest outbox (its events wait there)');
    starterFor(deps).forget(partition);
    replaced.push(partition);
  }
  return replaced;
}

const starterFor = perClient((deps) => new KeepRunning((partition) => startIngestPartition(deps, partition)));

async function startIngestPartition(deps: Deps, partition: number): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: taskQueue, INGEST_PARTITIONS: partitions, INGEST_PARTITION_RUN: runForMs } = deps.config;
  await startUnlessRunning(() =>
    deps.temporal.workflow.start(ingestPartitionWorkflow, {
      taskQueue,
      workflowId: workflowIds.ingestPartition(taskQueue, partition),
      args: [{ partition, partitions, runForMs }],
      typedSearchAttributes: [{ key: searchAttributes.status, value: 'ingesting' }],
      memo: { kind: 'ingest-partition', partition, partitions, handover: HANDOVER },
    }),
  );
}
