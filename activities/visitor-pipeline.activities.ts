import { heartbeat } from '@temporalio/activity';
import { groupByVisitor, sendToVisitor } from '../shared/ingest/send-to-visitor';
import { ingestRepository } from '../shared/repositories/ingest.repository';
import type { VisitorEvent } from '../shared/visitors/visitor-types';
import { applyVisitorEvents as applyEvents, type ApplyVisitorEventsInput } from '../shared/use-cases/apply-visitor-events';
import type { ActivityDeps } from './deps';

const SWEEP_CONCURRENCY = 8;

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
    const groups = [...groupByVisitor(stale.map((doc): VisitorEvent => ({ ...doc.event, redelivered: true }))).values()];
    // A few visitors at a time: a long backlog after an outage drains in minutes, not hours.
    let next = 0;
    const handOver = async (): Promise<void> => {
      while (next < groups.length) {
        const events = groups[next++];
        const { workspaceId, visitorId } = events[0];
        await sendToVisitor(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, workspaceId, visitorId, events).then(
          () => (redispatched += events.length),
          (err) => deps.logger.error({ err, workspaceId, visitorId }, 'outbox sweep could not hand events to their visitor; will retry next sweep'),
        );
        heartbeat();
      }
    };
    await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, handOver));
    if (stale.length) deps.logger.info({ redispatched, found: stale.length }, 'outbox sweep re-dispatched accepted ingest events');
    return { redispatched };
  }

  return { applyVisitorEvents, redispatchIngestOutbox };
}
