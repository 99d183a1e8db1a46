/**
 * Evaluates the workspace's person segments for one identified person, with the facts their
 * scoring gathered; stores where they stand and emits `person.segment_qualified` /
 * `person.segment_disqualified` for each change. Run by the person's own pipeline after each
 * scoring and when a window is due to pass.
 */
import type { Deps } from '../platform/deps';
import type { VisitorDoc } from '../visitors/visitor.model';
import { compiledFor } from './compiled-segment-cache';
import { decideStandings } from './decide-standings';
import type { SegmentFacts } from './evaluate-segment';
import { recordStandings } from './record-standings';
import type { SegmentDoc } from './segment.model';
import { segmentStandingRepository } from './segment-standing.repository';

export interface QualifyResult {
  /** Segments joined and left by this evaluation. */
  joined: string[];
  left: string[];
  /** The earliest moment a membership ends with no new activity (the pipeline's timer), or null. */
  expiresAt: number | null;
}

/** `segments`: the workspace's person segments. */
export async function qualifyPerson(deps: Deps, input: { visitor: VisitorDoc; facts: SegmentFacts; segments: readonly SegmentDoc[]; now: Date; emit: boolean }): Promise<QualifyResult> {
  const { visitor, facts, segments, now } = input;
  // No segment, nothing to do (a deleted segment's entries are dropped with it).
  if (segments.length === 0) return { joined: [], left: [], expiresAt: null };
  const stored = await segmentStandingRepository.findById(visitor._id);
  const decision = decideStandings(segments, stored?.standings ?? {}, (segment) => compiledFor(segment).evaluate(facts, now.getTime()), now);
  await recordStandings(deps, [{ subject: { entity: 'person', visitor }, workspaceId: visitor.workspaceId, decision, stored: stored !== null }], { emit: input.emit, now });
  return resultOf(decision);
}

export function resultOf(decision: ReturnType<typeof decideStandings>): QualifyResult {
  const ids = (member: boolean) => decision.transitions.flatMap((t) => (t.standing.member === member ? [t.segment._id] : []));
  return { joined: ids(true), left: ids(false), expiresAt: decision.expiresAt };
}
