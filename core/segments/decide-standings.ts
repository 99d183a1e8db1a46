/**
 * Where a subject stands after an evaluation, given where it stood: which segments it joins or
 * leaves, which stored entries belong to deleted segments, and when the earliest membership ends
 * with no new activity. Pure: the verdicts come from evaluate-segment.ts.
 */
import type { SegmentVerdict } from './evaluate-segment';
import type { SegmentDoc } from './segment.model';
import type { SegmentStanding } from './segment-standing.model';

export interface SegmentTransition {
  segment: SegmentDoc;
  /** The new standing; `changes` counts this transition. */
  standing: SegmentStanding;
}

export interface StandingsDecision {
  transitions: SegmentTransition[];
  /** Stored entries of segments that no longer exist (dropped without an event). */
  unset: string[];
  /** The earliest moment a membership ends if nothing new happens, or null. */
  expiresAt: number | null;
}

export function decideStandings(segments: readonly SegmentDoc[], stored: Readonly<Record<string, SegmentStanding>>, verdictOf: (segment: SegmentDoc) => SegmentVerdict, now: Date): StandingsDecision {
  const decision: StandingsDecision = { transitions: [], unset: [], expiresAt: null };
  for (const segment of segments) {
    const verdict = verdictOf(segment);
    if (verdict.member && verdict.expiresAt !== null) decision.expiresAt = Math.min(decision.expiresAt ?? Infinity, verdict.expiresAt);
    const transition = transitionOf(segment, stored[segment._id], verdict.member, now);
    if (transition) decision.transitions.push(transition);
  }
  const existing = new Set(segments.map((s) => s._id));
  decision.unset = Object.keys(stored).filter((id) => !existing.has(id));
  return decision;
}

/** The transition a verdict makes from a stored standing (none stored: not a member), or null. */
export function transitionOf(segment: SegmentDoc, previous: SegmentStanding | undefined, member: boolean, now: Date): SegmentTransition | null {
  if ((previous?.member ?? false) === member) return null;
  return { segment, standing: { member, since: now, changes: (previous?.changes ?? 0) + 1 } };
}
