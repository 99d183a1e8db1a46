import type { Deps } from '../platform/deps';
import { ingestRepository } from '../ingest/ingest.repository';
import { EVENT_FAILED } from './event-failure';
import { parkedEventRepository } from './parked-event.repository';
import type { VisitorEvent } from './visitor-types';

/** Sets aside an event that failed on every attempt, out of the outbox; it can be listed and replayed through /api/v1/parked-events. */
export async function parkVisitorEvent(deps: Deps, event: VisitorEvent, error: string): Promise<void> {
  await parkedEventRepository.park(event, { message: error.slice(0, 1000), type: EVENT_FAILED });
  await ingestRepository.removeFromOutbox(event.id);
  const { id, workspaceId, visitorId, type } = event;
  deps.logger.warn({ eventId: id, workspaceId, visitorId, type, error: error.slice(0, 300) }, 'visitor event parked: it failed on every attempt (list and replay it through /api/v1/parked-events)');
}
