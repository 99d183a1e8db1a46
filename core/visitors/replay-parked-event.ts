import { AppError } from '../platform/errors';
import { sendToVisitor } from '../ingest/send-to-visitor';
import type { Deps } from '../platform/deps';
import type { ParkedEventDoc } from './parked-event.model';
import { ingestRepository } from '../ingest/ingest.repository';
import { parkedEventRepository } from './parked-event.repository';

/**
 * Sends a parked event through the visitor pipeline again (after the cause was fixed). It goes
 * back to the ingest outbox first, so a Temporal outage leaves it to the outbox sweep rather than
 * losing it; if it fails again on every attempt, it is parked again (`timesParked` counts).
 */
export async function replayParkedEvent(deps: Deps, input: { workspaceId: string; id: string }): Promise<ParkedEventDoc> {
  const parked = await parkedEventRepository.findInWorkspace(input.workspaceId, input.id);
  if (!parked) throw AppError.notFound('Parked event');
  const event = { ...parked.event, redelivered: true as const, timesParked: parked.timesParked };
  await ingestRepository.addToOutbox(event);
  await parkedEventRepository.remove(parked._id);
  await sendToVisitor(deps, { workspaceId: event.workspaceId, visitorId: event.visitorId, events: [event] }).catch((err: unknown) =>
    deps.logger.warn({ err, eventId: event.id }, 'replayed event left to the outbox sweep: Temporal did not take it'),
  );
  return parked;
}
