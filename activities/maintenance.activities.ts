import { deliveryRepository } from '../core/webhooks/delivery.repository';
import { eventRepository } from '../core/events/event.repository';
import { ingestRepository } from '../core/ingest/ingest.repository';
import { fanOutEvent } from '../core/events/emit-event';
import type { Deps } from '../core/platform/deps';
import { deleteExpiredRateLimitCounters } from './rate-limit-cleanup';
import { enrichmentCallRepository } from '../core/enrichment/enrichment-call.repository';
import { enrichmentCacheRepository } from '../core/enrichment/enrichment-cache.repository';
import { consoleSessionRepository } from '../core/console/console-session.repository';
import { portalSessionRepository } from '../core/portal/portal-session.repository';
import { expireSegmentMemberships } from '../core/segments/expire-segment-memberships';

export interface RetentionResult {
  events: number;
  deliveries: number;
  rateLimitCounters: number;
  ingestLog: number;
  enrichmentCalls: number;
  enrichmentCache: number;
  portalSessions: number;
  consoleSessions: number;
}

export function createMaintenanceActivities(deps: Deps) {
  /** The outbox sweep: finish fan-out for events stored by a process that died before doing it. */
  async function fanOutPendingEvents(input: { limit: number }): Promise<{ fannedOut: number }> {
    const stale = await eventRepository.findNotFannedOut(new Date(Date.now() - deps.config.OUTBOX_SWEEP_AFTER), input.limit);
    let fannedOut = 0;
    for (const event of stale) {
      // One event that keeps failing must not hold back the ones behind it.
      await fanOutEvent(deps, event).then(
        () => fannedOut++,
        (err) => deps.logger.error({ err, eventId: event._id }, 'outbox sweep could not fan out an event; will retry next sweep'),
      );
    }
    if (stale.length) deps.logger.info({ fannedOut, found: stale.length }, 'outbox sweep fanned out stored events');
    return { fannedOut };
  }

  /**
   * Retention (TTL indexes are not available on every Mongo-wire database): removes events and
   * finished deliveries (with their attempts) older than RETENTION_MAX_AGE, and expired rate-limit
   * counters, enrichment calls, expired enrichment answers and expired portal links and sessions and console sessions. A delivery still pending and its event are never removed.
   */
  async function deleteExpiredData(input: { maxAgeMs?: number } = {}): Promise<RetentionResult> {
    const cutoff = new Date(Date.now() - (input.maxAgeMs ?? deps.config.RETENTION_MAX_AGE));
    // Pending deliveries (and the events they send) are kept whatever their age.
    const needed = await deliveryRepository.eventIdsPendingOlderThan(cutoff);
    const [events, deliveries, rateLimitCounters, ingestLog, enrichmentCalls, enrichmentCache, portalSessions, consoleSessions] = await Promise.all([
      eventRepository.deleteOlderThan(cutoff, needed),
      deliveryRepository.deleteOlderThan(cutoff),
      deleteExpiredRateLimitCounters(),
      // The processed-ingest log is what detects a repeated messageId; config keeps it ≥ 24 h.
      ingestRepository.deleteProcessedOlderThan(cutoff),
      enrichmentCallRepository.deleteOlderThan(cutoff),
      enrichmentCacheRepository.deleteExpired(new Date()),
      portalSessionRepository.deleteExpired(new Date()),
      consoleSessionRepository.deleteExpired(new Date()),
    ]);
    return { events, deliveries, rateLimitCounters, ingestLog, enrichmentCalls, enrichmentCache, portalSessions, consoleSessions };
  }

  /** The minute sweep's part for segments: anonymous visitors whose window ended (core/segments/expire-segment-memberships.ts). */
  async function sweepSegmentMemberships(input: { limit: number }): Promise<{ evaluated: number }> {
    return expireSegmentMemberships(deps, input);
  }

  return { fanOutPendingEvents, deleteExpiredData, sweepSegmentMemberships };
}
