import type { Deps } from '../platform/deps';
import { mapBounded } from '../platform/bounded-parallel';
import { applyEffects } from '../visitors/apply-effects';
import { activityBucketRepository } from '../visitors/activity-bucket.repository';
import type { AppendTimelineEffect, Effect } from '../visitors/rules/effects';
import { decideVisitorEvents, forwardMerged, type VisitorBatchOutcome } from '../visitors/apply-visitor-events';
import { visitorRepository } from '../visitors/visitor.repository';
import type { Activity, VisitorEvent } from '../visitors/visitor-types';
import { ingestRepository, processedEntryOf } from './ingest.repository';
import { groupByVisitor } from './send-to-visitor';
import { signalPersonPipelines } from '../people/signal-person-pipelines';
import { qualifyAnonymousVisitors } from '../segments/qualify-visitors';

export interface ApplyIngestBatchInput {
  /** Events of many visitors (one partition), each visitor's in hand-over order. */
  events: VisitorEvent[];
  /** The outbox holds few rows now: clear the batch's in one `$in` delete, even on FerretDB (where it reads the whole collection). */
  outboxIsSmall?: boolean;
}

/** Visitors decided or written at once within a batch (each round trip is a few ms; the pool is small). */
const CONCURRENCY = 8;

/**
 * The partition pipeline's shell around the pure rules: applies a batch of many visitors' events
 * in one go. Loads every visitor involved in one query, decides each visitor's events in order
 * (resolving facts, identity claims among them), writes every timeline entry in bulk and the
 * other effects per visitor in order, saves the visitors in bulk (new ones in one insert), logs
 * the events as applied in one insert and clears them from the outbox, then hands merged
 * visitors' remaining events on to their person's partition (by rewriting their outbox rows).
 * The same order of steps as applyVisitorEvents, so a retried batch (or a crash between steps)
 * repeats only harmless writes: ids derive from what happened and each saved visitor remembers
 * the events it contains.
 */
export async function applyIngestBatch(deps: Deps, input: ApplyIngestBatchInput): Promise<{ applied: number; visitors: number }> {
  if (input.events.length === 0) return { applied: 0, visitors: 0 };
  const groups = [...groupByVisitor(input.events).values()];
  const loaded = await visitorRepository.findMany([...new Set(input.events.map((e) => e.visitorId))]);
  const outcomes = await mapBounded(groups, CONCURRENCY, (events) => {
    const { workspaceId, visitorId } = events[0];
    return decideVisitorEvents({ workspaceId, visitorId, events }, loaded.get(visitorId) ?? null);
  });
  // Timeline entries of every visitor in bulk first; the other effects per visitor, in order.
  await activityBucketRepository.appendMany(outcomes.flatMap((o) => o.effects.filter(isTimelineEntry)));
  await mapBounded(outcomes, CONCURRENCY, (outcome) => applyEffects(deps, outcome.effects.filter((e) => !isTimelineEntry(e))));
  const updatedAt = new Date();
  const saved = outcomes.map((o) => ({ ...o.visitor, updatedAt }));
  await visitorRepository.saveMany(saved, new Set(loaded.keys()));
  // Before the batch is recorded as applied: if this fails, the batch runs again and so does this.
  await qualifyAnonymousVisitors(deps, saved, newVisitorTimelines(outcomes, loaded));
  await recordApplied(outcomes, input.outboxIsSmall ?? false);
  await signalPersonPipelines(deps, outcomes);
  await mapBounded(
    outcomes.filter((o) => o.forward.length > 0),
    CONCURRENCY,
    (outcome) => forwardMerged(deps, outcome),
  );
  return { applied: outcomes.reduce((sum, o) => sum + o.applied.length, 0), visitors: outcomes.length };
}

/** After the saves: one insert into the processed log, one delete from the outbox. */
async function recordApplied(outcomes: VisitorBatchOutcome[], outboxIsSmall: boolean): Promise<void> {
  const appliedAt = new Date();
  const entries = outcomes.flatMap((o) => o.applied.filter((event) => event.type !== 'merge_visitor').map((event) => processedEntryOf(event, o.visitor._id, appliedAt)));
  await ingestRepository.recordManyProcessed(entries);
  await ingestRepository.removeManyFromOutbox(outcomes.flatMap((o) => o.applied.map((e) => e.id)), { outboxIsSmall });
}

const isTimelineEntry = (effect: Effect): effect is AppendTimelineEffect => effect.kind === 'appendTimeline';

/** Visitors this batch created: their whole timeline is what it appended (nothing to read back). */
function newVisitorTimelines(outcomes: readonly VisitorBatchOutcome[], loaded: ReadonlyMap<string, unknown>): Map<string, Activity[]> {
  return new Map(outcomes.filter((o) => !loaded.has(o.visitor._id)).map((o) => [o.visitor._id, o.effects.filter(isTimelineEntry).map((e) => e.activity)]));
}

