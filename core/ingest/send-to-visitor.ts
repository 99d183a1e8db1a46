import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import type { VisitorEvent } from '../visitors/visitor-types';
import { visitorEventsSignal, visitorWorkflow } from '../../workflows';

/** Largest signal payload we send in one go (Temporal refuses blobs above 2 MB). */
const MAX_SIGNAL_BYTES = 512 * 1024;

/**
 * Hands events to their visitor's workflow with signal-with-start: signals the running workflow,
 * or starts it first. Safe to repeat: the workflow and the pipeline both drop known event ids.
 */
export async function sendToVisitor(deps: Deps, { workspaceId, visitorId, events }: { workspaceId: string; visitorId: string; events: VisitorEvent[] }): Promise<void> {
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
