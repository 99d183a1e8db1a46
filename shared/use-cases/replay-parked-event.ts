import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { AppError } from '../errors';
import { sendToVisitor } from '../ingest/send-to-visitor';
import type { Logger } from '../logger';
import type { ParkedEventDoc } from '../models/parked-event.model';
import { ingestRepository } from '../repositories/ingest.repository';
import { parkedEventRepository } from '../repositories/parked-event.repository';

export interface ReplayParkedEventDeps {
  temporal: Client;
  config: Config;
  logger: Logger;
}

/**
 * Sends a parked event through the visitor pipeline again (after the cause was fixed). It goes
 * back to the ingest outbox first, so a Temporal outage leaves it to the outbox sweep rather than
 * losing it; if it fails again on every attempt, it is parked again (`timesParked` counts).
 */
export async function replayParkedEvent(deps: ReplayParkedEventDeps, input: { workspaceId: string; id: string }): Promise<ParkedEventDoc> {
  const parked = await parkedEventRepository.findInWorkspace(input.workspaceId, input.id);
  if (!parked) throw AppError.notFound('Parked event');
  const event = { ...parked.event, redelivered: true as const, timesParked: parked.timesParked };
  await ingestRepository.addToOutbox(event);
  await parkedEventRepository.remove(parked._id);
  await sendToVisitor(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, event.workspaceId, event.visitorId, [event]).catch((err: unknown) =>
    deps.logger.warn({ err, eventId: event.id }, 'replayed event left to the outbox sweep: Temporal did not take it'),
  );
  return parked;
}
