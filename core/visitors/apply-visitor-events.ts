import { sendToVisitor } from '../ingest/send-to-visitor';
import type { Deps } from '../platform/deps';
import type { VisitorDoc } from './visitor.model';
import { ingestRepository, processedEntryOf } from '../ingest/ingest.repository';
import { visitorRepository } from './visitor.repository';
import { newVisitor } from './new-visitor';
import type { VisitorEvent } from './visitor-types';
import { applyEffects, resolveFacts } from './apply-effects';
import { decide } from './rules/decide';
import { signalPersonPipelines } from '../people/signal-person-pipelines';
import { qualifyAnonymousVisitors } from '../segments/qualify-visitors';
import { emptyFacts, initialState, type DecideContext, type Decision, type Effect, type RuleState } from './rules/effects';

export interface ApplyVisitorEventsInput {
  workspaceId: string;
  visitorId: string;
  events: VisitorEvent[];
  /**
   * Ids the workflow dropped because it had already applied them: a copy accepted again (a
   * repeated messageId racing the first copy) may still wait in the outbox.
   */
  settledIds?: string[];
}

/** Rounds of fact requests one event may make (unverified identify: look, then claim). */
const MAX_FACT_ROUNDS = 4;

/**
 * Applies a batch of one visitor's events in order and saves the visitor once. The shell around
 * the pure rules (rules/decide.ts): loads the visitor, decides each event (resolving the facts a
 * decision asks for), writes the decided effects, saves the visitor, then logs the events as
 * applied and clears them from the outbox. Every step is safe to repeat: timeline entries,
 * identities, leads, orders and emitted events have deterministic ids, and the saved visitor
 * remembers which events it already contains. A batch that meets a merge (an anonymous visitor
 * identified as a known person) hands the rest of the batch, after a merge instruction, to that
 * person's workflow.
 */
export async function applyVisitorEvents(deps: Deps, input: ApplyVisitorEventsInput): Promise<{ email: string | null }> {
  await Promise.all((input.settledIds ?? []).map((id) => ingestRepository.removeFromOutbox(id)));
  if (input.events.length === 0) return { email: null };
  const outcome = await decideVisitorEvents(input, await visitorRepository.findById(input.visitorId));
  await applyEffects(deps, outcome.effects);
  // Before the save: if this fails, the activity runs again and so does this.
  await qualifyAnonymousVisitors(deps, [outcome.visitor]);
  await saveAndRecord(outcome.visitor, outcome.applied);
  await signalPersonPipelines(deps, [outcome]);
  await forwardMerged(deps, outcome);
  return { email: outcome.visitor.email };
}

/** What deciding a batch of one visitor's events came to: nothing of it is written yet. */
export interface VisitorBatchOutcome {
  /** The visitor to save. */
  visitor: VisitorDoc;
  /** The effects to write, in order, before the visitor is saved. */
  effects: Effect[];
  /** Events applied to this visitor (to log as processed and clear from the outbox once it is saved). */
  applied: VisitorEvent[];
  /** Events for the person this visitor was merged into (a merge instruction first), to hand over once it is saved. */
  forward: VisitorEvent[];
}

/**
 * Decides a batch of one visitor's events in order, from its stored document (`loaded`, null when
 * new), resolving the facts the rules ask for (identity claims are made here). Writes nothing else.
 */
export async function decideVisitorEvents(input: Pick<ApplyVisitorEventsInput, 'workspaceId' | 'visitorId' | 'events'>, loaded: VisitorDoc | null): Promise<VisitorBatchOutcome> {
  const now = new Date();
  const first = input.events[0];
  const doc: VisitorDoc = loaded ?? newVisitor(input.workspaceId, input.visitorId, first?.key ?? `id:${input.visitorId}`, now);
  const ctx: DecideContext = { now, facts: emptyFacts() };
  let state: RuleState = initialState(doc);
  const effects: Effect[] = [];
  const applied: VisitorEvent[] = [];
  let forward: { prefix: VisitorEvent[]; rest: VisitorEvent[] } | null = null;

  for (let i = 0; i < input.events.length; i++) {
    const event = input.events[i];
    if (state.visitor.mergedInto) {
      forward = { prefix: [], rest: input.events.slice(i) };
      break;
    }
    const decision = await decideWithFacts(state, event, ctx);
    state = decision.state;
    effects.push(...decision.effects);
    if (decision.kind === 'merged') {
      // This (anonymous) visitor is a known person: save it as merged, then let the person's
      // pipeline absorb its history and apply this event and the rest of the batch.
      forward = { prefix: [decision.instruction], rest: input.events.slice(i) };
      break;
    }
    applied.push(event);
  }
  const target = state.visitor.mergedInto;
  const forwarded = forward && target ? [...forward.prefix, ...forward.rest.map((e): VisitorEvent => ({ ...e, visitorId: target, redelivered: true }))] : [];
  return { visitor: state.visitor, effects, applied, forward: forwarded };
}

/** Hands a merged visitor's remaining events to the person it was merged into (after it was saved). */
export async function forwardMerged(deps: Deps, outcome: VisitorBatchOutcome): Promise<void> {
  if (outcome.forward.length === 0 || !outcome.visitor.mergedInto) return;
  await sendToVisitor(deps, { workspaceId: outcome.visitor.workspaceId, visitorId: outcome.visitor.mergedInto, events: outcome.forward });
}

/** Decides one event, resolving the facts it asks for (identity claims among them) until it is decided. */
async function decideWithFacts(state: RuleState, event: VisitorEvent, ctx: DecideContext): Promise<Exclude<Decision, { kind: 'needs' }>> {
  for (let round = 0; ; round++) {
    const decision = decide(state, event, ctx);
    if (decision.kind !== 'needs') return decision;
    if (round >= MAX_FACT_ROUNDS) throw new Error(`event ${event.id} still needs ${decision.needs.map((n) => n.kind).join(', ')} after ${MAX_FACT_ROUNDS} rounds`);
    await resolveFacts(ctx.facts, decision.needs);
  }
}

/** Save first, then log and clear the outbox: a crash in between only repeats harmless steps. */
async function saveAndRecord(visitor: VisitorDoc, applied: VisitorEvent[]): Promise<void> {
  await visitorRepository.save({ ...visitor, updatedAt: new Date() });
  const appliedAt = new Date();
  await Promise.all(
    applied.map(async (event) => {
      if (event.type !== 'merge_visitor') await ingestRepository.recordProcessed(processedEntryOf(event, visitor._id, appliedAt));
      await ingestRepository.removeFromOutbox(event.id);
    }),
  );
}
