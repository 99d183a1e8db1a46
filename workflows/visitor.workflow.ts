import { condition, continueAsNew, defineQuery, defineSignal, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { searchAttributes } from '../core/platform/temporal/search-attributes';
import type { VisitorEvent } from '../core/visitors/visitor-types';
import { eventFailureOf, RecentIds } from './pipeline-memory';

export interface VisitorWorkflowInput {
  workspaceId: string;
  visitorId: string;
  /** Carried over continue-as-new: events received but not yet applied, and recently applied ids. */
  pending?: VisitorEvent[];
  recentIds?: string[];
  settledIds?: string[];
  /** History length at which the run continues as new (default 2,000; tests use less). */
  historyLimit?: number;
}

export interface VisitorPipelineState {
  queued: number;
  applied: number;
  recentIds: string[];
  /** Events this run set aside (parked) after they failed on every attempt. */
  parked: number;
}

/** New events for this visitor (from ingest, the API, or another visitor merging into it). */
export const visitorEventsSignal = defineSignal<[VisitorEvent[]]>('visitorEvents');
export const visitorStateQuery = defineQuery<VisitorPipelineState>('state');

const BATCH = 50;
const RECENT_IDS = 500;
const IDLE_TIMEOUT = '30 minutes';
const MAX_HISTORY = 2_000;
const MAX_CARRIED = 500;
/** Temporal refuses payloads over 2 MB: what continue-as-new carries stays well under. */
const MAX_CARRIED_BYTES = 1_000_000;

// Local activities: one visitor write is a few milliseconds, and a local activity costs Temporal a
// marker instead of a scheduled task, which is what keeps 100+ events/s within one small server.
// Retried without limit: a database outage pauses this visitor, it never drops its events.
// An event that fails for a reason of its own comes back as EVENT_FAILED after a few attempts.
const { applyVisitorEvents, parkVisitorEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The entity workflow of one visitor (`visitor-<workspace>-<visitor>`): applies the visitor's
 * events one batch at a time, in arrival order, so every write to the visitor has one writer.
 * Ends after 30 idle minutes (the next event starts it again through signal-with-start) and
 * continues as new before its history grows large.
 */
export async function visitorWorkflow(input: VisitorWorkflowInput): Promise<void> {
  const queue: VisitorEvent[] = [...(input.pending ?? [])];
  const recent = new RecentIds(input.recentIds ?? [], RECENT_IDS);
  // Already-applied ids seen again: their outbox copy is cleared with the next batch.
  const settled = new Set<string>(input.settledIds ?? []);
  let applied = 0;
  let parked = 0;
  // After a batch failed for a reason of its own, its events go one at a time to find the culprit.
  let oneAtATime = 0;
  let email: string | null = null;

  setHandler(visitorEventsSignal, (events) => {
    for (const event of events) {
      if (recent.has(event.id)) {
        if (settled.size < MAX_CARRIED) settled.add(event.id);
      } else if (!queue.some((e) => e.id === event.id)) queue.push(event);
    }
  });
  setHandler(visitorStateQuery, () => ({ queued: queue.length, applied, parked, recentIds: recent.list() }));

  for (;;) {
    const hasWork = await condition(() => queue.length > 0 || settled.size > 0, IDLE_TIMEOUT);
    if (!hasWork) return;
    const batch = queue.splice(0, oneAtATime > 0 ? 1 : BATCH);
    oneAtATime = Math.max(0, oneAtATime - 1);
    const settledIds = [...settled];
    settled.clear();
    let result: { email: string | null };
    try {
      result = await applyVisitorEvents({ workspaceId: input.workspaceId, visitorId: input.visitorId, events: batch, settledIds });
    } catch (err) {
      const reason = eventFailureOf(err);
      if (reason === null) throw err;
      for (const id of settledIds) settled.add(id);
      if (batch.length > 1) {
        queue.unshift(...batch);
        oneAtATime = batch.length;
      } else {
        // Parked, not remembered as applied: a replay of it must reach the activity again.
        await parkVisitorEvent({ event: batch[0], error: reason });
        parked++;
      }
      continue;
    }
    for (const event of batch) recent.add(event.id);
    applied += batch.length;
    if (result.email && result.email !== email) {
      email = result.email;
      upsertSearchAttributes([{ key: searchAttributes.email, value: email }]);
    }
    // The queue travels in the new run's input, so wait for a backlog to shrink before moving on.
    const historyFull = workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY);
    if (historyFull && queue.length <= MAX_CARRIED && JSON.stringify(queue).length <= MAX_CARRIED_BYTES) {
      await continueAsNew<typeof visitorWorkflow>({ ...input, pending: queue, recentIds: recent.list(), settledIds: [...settled] });
    }
  }
}
