import { groupByVisitor, sendToVisitor } from '../shared/ingest/send-to-visitor';
import { ingestRepository } from '../shared/repositories/ingest.repository';
import { applyVisitorEvents as applyEvents, type ApplyVisitorEventsInput } from '../shared/use-cases/apply-visitor-events';
import type { ActivityDeps } from './deps';

export function createVisitorPipelineActivities(deps: ActivityDeps) {
  /** Local activity of visitorWorkflow: applies a batch of the visitor's events and saves it. */
  async function applyVisitorEvents(input: ApplyVisitorEventsInput): Promise<{ email: string | null }> {
    return applyEvents(deps, input);
  }

  /**
   * The ingest outbox sweep: events accepted more than OUTBOX_SWEEP_AFTER ago and still not
   * applied were never handed to Temporal (it was down, or the API process died). Hand them over
   * again; the visitor workflows drop any they already applied.
   */
  async function redispatchIngestOutbox(input: { limit: number }): Promise<{ redispatched: number }> {
    const stale = await ingestRepository.findStale(new Date(Date.now() - deps.config.OUTBOX_SWEEP_AFTER), input.limit);
    let redispatched = 0;
    for (const events of groupByVisitor(stale.map((doc) => doc.event)).values()) {
      const { workspaceId, visitorId } = events[0];
      await sendToVisitor(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, workspaceId, visitorId, events).then(
        () => (redispatched += events.length),
        (err) => deps.logger.error({ err, workspaceId, visitorId }, 'outbox sweep could not hand events to their visitor; will retry next sweep'),
      );
    }
    if (stale.length) deps.logger.info({ redispatched, found: stale.length }, 'outbox sweep re-dispatched accepted ingest events');
    return { redispatched };
  }

  return { applyVisitorEvents, redispatchIngestOutbox };
}
