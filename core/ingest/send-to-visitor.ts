import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import type { VisitorEvent } from '../visitors/visitor-types';
import type { Config } from '../platform/config';
import { ingestPartitionEventsSignal, ingestPartitionWorkflow, visitorEventsSignal, visitorWorkflow } from '../../workflows';
import { partitionOf } from './ingest-partition';

/** Largest signal payload we send in one go (Temporal refuses blobs above 2 MB). */
const MAX_SIGNAL_BYTES = 512 * 1024;

/**
 * Hands events to the pipeline that applies their visitor's events (INGEST_PIPELINE): the
 * visitor's own workflow, or the partition workflow the visitor maps to. Signal-with-start:
 * signals the running workflow, or starts it first. Safe to repeat: the workflows and the
 * pipeline drop known event ids.
 */
export async function sendToVisitor(deps: Deps, { workspaceId, visitorId, events }: { workspaceId: string; visitorId: string; events: VisitorEvent[] }): Promise<void> {
  if (deps.config.INGEST_PIPELINE === 'partitions') return sendToPartition(deps, partitionOf(workspaceId, visitorId, deps.config.INGEST_PARTITIONS), events);
  for (const chunk of chunksBySize(events)) {
    await deps.temporal.workflow.signalWithStart(visitorWorkflow, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.visitor(workspaceId, visitorId),
      args: [{ workspaceId, visitorId }],
      signal: visitorEventsSignal,
      signalArgs: [chunk],
      typedSearchAttributes: [
        { key: searchAttributes.workspaceId, value: workspaceId },
        { key: searchAttributes.visitorId, value: visitorId },
      ],
      memo: { workspaceId, visitorId },
    });
  }
}

/** Hands events (any visitors of one partition) to the partition's workflow, starting it if it is not running. */
export async function sendToPartition(deps: Deps, partition: number, events: VisitorEvent[]): Promise<void> {
  const { TEMPORAL_TASK_QUEUE: taskQueue, INGEST_PARTITIONS: partitions, INGEST_PARTITION_ACTIVITY: batchActivity } = deps.config;
  for (const chunk of chunksBySize(events)) {
    await deps.temporal.workflow.signalWithStart(ingestPartitionWorkflow, {
      taskQueue,
      workflowId: workflowIds.ingestPartition(taskQueue, partition),
      args: [{ partition, partitions, batchActivity }],
      signal: ingestPartitionEventsSignal,
      signalArgs: [chunk],
      typedSearchAttributes: [{ key: searchAttributes.status, value: 'ingesting' }],
      memo: { kind: 'ingest-partition', partition, partitions },
    });
  }
}

/**
 * What events are handed over by: their visitor (visitors pipeline) or their partition. Events
 * with one route key go in one hand-over, and one at a time, so they arrive in order.
 */
export function routeKey(config: Pick<Config, 'INGEST_PIPELINE' | 'INGEST_PARTITIONS'>, event: Pick<VisitorEvent, 'workspaceId' | 'visitorId'>): string {
  return config.INGEST_PIPELINE === 'partitions' ? `partition:${partitionOf(event.workspaceId, event.visitorId, config.INGEST_PARTITIONS)}` : visitorKey(event);
}

/** Hands over events that share one routeKey, in order. */
export async function handOver(deps: Deps, events: VisitorEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { workspaceId, visitorId } = events[0];
  if (deps.config.INGEST_PIPELINE === 'partitions') return sendToPartition(deps, partitionOf(workspaceId, visitorId, deps.config.INGEST_PARTITIONS), events);
  return sendToVisitor(deps, { workspaceId, visitorId, events });
}

/** Groups events by routeKey, keeping arrival order within each group. */
export function groupByRoute(config: Pick<Config, 'INGEST_PIPELINE' | 'INGEST_PARTITIONS'>, events: VisitorEvent[]): Map<string, VisitorEvent[]> {
  const groups = new Map<string, VisitorEvent[]>();
  for (const event of events) {
    const key = routeKey(config, event);
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  return groups;
}

/** Identifies an event's visitor across workspaces (the key of groupByVisitor). */
export function visitorKey(event: Pick<VisitorEvent, 'workspaceId' | 'visitorId'>): string {
  return `${event.workspaceId}\u0000${event.visitorId}`;
}

/** Groups events by visitorKey, keeping each visitor's arrival order. */
export function groupByVisitor(events: VisitorEvent[]): Map<string, VisitorEvent[]> {
  const groups = new Map<string, VisitorEvent[]>();
  for (const event of events) {
    const key = visitorKey(event);
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  return groups;
}

function* chunksBySize(events: VisitorEvent[]): Generator<VisitorEvent[]> {
  let chunk: VisitorEvent[] = [];
  let size = 0;
  for (const event of events) {
    const bytes = JSON.stringify(event).length;
    if (chunk.length > 0 && size + bytes > MAX_SIGNAL_BYTES) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(event);
    size += bytes;
  }
  if (chunk.length > 0) yield chunk;
}
