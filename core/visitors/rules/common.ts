/** Small pieces every visitor rule uses. Pure. */
import type { EventType } from '../../events/event-catalogue';
import { recordSeen } from '../sessions';
import { emittedEventIdFor } from '../visitor-ids';
import type { VisitorDoc } from '../visitor.model';
import type { Activity } from '../visitor-types';
import { isKnown, type Decision, type DecideContext, type EmitEffect, type Effect, type FactRequest, type RuleState } from './effects';

export type Data = Record<string, unknown>;

export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Any event moves the visitor's seen range (first/last seen), page view or not. */
export function touchSeen(visitor: VisitorDoc, at: number): VisitorDoc {
  const date = new Date(at);
  return {
    ...visitor,
    summary: recordSeen(visitor.summary, at),
    firstSeenAt: !visitor.firstSeenAt || date < visitor.firstSeenAt ? date : visitor.firstSeenAt,
    lastSeenAt: !visitor.lastSeenAt || date > visitor.lastSeenAt ? date : visitor.lastSeenAt,
  };
}

/** A visitor and the effects decided so far for it (what a rule builds up step by step). */
export interface Step {
  visitor: VisitorDoc;
  effects: Effect[];
}

/** Adds `activity` as the visitor's next timeline entry. */
export function appendActivity(step: Step, activity: Activity): Step {
  const { visitor } = step;
  const effect: Effect = { kind: 'appendTimeline', workspaceId: visitor.workspaceId, visitorId: visitor._id, seq: visitor.activityCount, activity };
  return { visitor: { ...visitor, activityCount: visitor.activityCount + 1 }, effects: [...step.effects, effect] };
}

/** An outgoing event with its id derived from the cause, so a repeated step emits nothing new. */
export function emitOf(workspaceId: string, cause: string, type: EventType, data: unknown): EmitEffect {
  return { kind: 'emit', workspaceId, id: emittedEventIdFor(cause, type), type, data };
}

/** The requests among `requests` the context cannot answer yet. */
export function missingFacts(ctx: DecideContext, requests: (FactRequest | null)[]): FactRequest[] {
  return requests.filter((r): r is FactRequest => r !== null && !isKnown(ctx.facts, r));
}

export const needs = (requests: FactRequest[]): Decision => ({ kind: 'needs', needs: requests });

/** The decision for a finished step: the state with the step's visitor, and its effects. */
export function done(state: RuleState, step: Step): Decision {
  return { kind: 'decided', state: { ...state, visitor: step.visitor }, effects: step.effects };
}

/** Notes a company visit this batch decided (see RuleState.companyVisitNames). */
export function withCompanyVisitName(state: RuleState, companyId: string, name: string | null): RuleState {
  return { ...state, companyVisitNames: { ...state.companyVisitNames, [companyId]: [...(state.companyVisitNames[companyId] ?? []), name] } };
}
