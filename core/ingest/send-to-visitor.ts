import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import type { VisitorEvent } from '../visitors/visitor-types';
import { visitorEventsSignal, visitorWorkflow } from '../../workflows';
import { ingestRepository } from './ingest.repository';
import { ensureIngestPartitionsFor } from './start-ingest-partitions';

/** Largest signal payload we send in one go (Temporal refuses blobs above 2 MB). */
const MAX_SIGNAL_BYTES = 512 * 1024;

/**
 * Hands events to the pipeline that applies their visitor's events (INGEST_PIPELINE): the
 * visitor's own workflow by signal-with-start (it signals the running workflow, or starts it
 * first), or the partition the visitor maps to, by rewriting the events' outbox rows to this
 * visitor (a merged visitor's remaining events, a replayed parked event). Safe to repeat: the
 * visitor drops events it already holds.
 */
export async function sendToVisitor(deps: Deps, { workspaceId, visitorId, events }: { workspaceId: string; visitorId: string; events: VisitorEvent[] }): Promise<void> {
  if (deps.config.INGEST_PIPELINE === 'partitions') {
    await ingestRepository.requeue(events.map((event) => ({ ...event, visitorId })));
    await ensureIngestPartitionsFor(deps, [{ workspaceId, visitorId }]);
    return;
  }
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
