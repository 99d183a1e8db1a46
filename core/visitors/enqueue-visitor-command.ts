import { AppError } from '../platform/errors';
import { visitorRepository } from './visitor.repository';
import { newIngestEventId, visitorIdFor } from './visitor-ids';
import type { VisitorEvent, VisitorEventType } from './visitor-types';
import { acceptIngestEvents, type IngestDeps } from '../ingest/accept-ingest-events';

/** A write to a visitor, applied by its workflow like a tracked event (at `timestamp`, default now). */
export interface VisitorCommand {
  type: VisitorEventType;
  data: Record<string, unknown>;
  timestamp?: number;
}

export interface VisitorTarget {
  visitorId: string;
  key: string;
}

/**
 * Finds the visitor a write names (id or email). With `createWithEmail`, an unknown email gets
 * the visitor it would have as an identified person (its first command then identifies it).
 */
export async function resolveVisitorTarget(workspaceId: string, identifier: string, opts: { createWithEmail?: boolean } = {}): Promise<VisitorTarget & { exists: boolean }> {
  const visitor = await visitorRepository.findByIdentifier(workspaceId, identifier);
  if (visitor) return { visitorId: visitor._id, key: visitor.key, exists: true };
  if (opts.createWithEmail && identifier.includes('@')) {
    const key = `email:${identifier.toLowerCase()}`;
    return { visitorId: visitorIdFor(workspaceId, key), key, exists: false };
  }
  throw AppError.notFound('Visitor');
}

/**
 * API writes to a visitor go through the same outbox and workflow as ingest, so they are applied
 * in order with the visitor's events by its only writer. Answers once stored (202 semantics).
 */
export async function enqueueVisitorCommands(
  deps: IngestDeps,
  { workspaceId, target, commands }: { workspaceId: string; target: VisitorTarget; commands: VisitorCommand[] },
): Promise<string[]> {
  const now = Date.now();
  const events: VisitorEvent[] = commands.map((c) => ({
    id: newIngestEventId(),
    workspaceId,
    visitorId: target.visitorId,
    key: target.key,
    type: c.type,
    timestamp: c.timestamp ?? now,
    receivedAt: now,
    messageId: null,
    // Server-to-server calls: the caller's address says nothing about the visitor.
    context: { ip: null, userAgent: null },
    data: c.data,
  }));
  await acceptIngestEvents(deps, events);
  return events.map((e) => e.id);
}
