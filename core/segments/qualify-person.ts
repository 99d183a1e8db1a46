/**
 * Evaluates the workspace's person segments for one identified person, with the facts their
 * scoring gathered; stores where they stand and emits `person.segment_qualified` /
 * `person.segment_disqualified` for each change. Run by the person's own pipeline (the only
 * writer of their standing), after each scoring and when a window is due to pass. Safe to repeat:
 * each event's id derives from the person, the segment and the number of changes before it.
 */
import { emitEvent } from '../events/emit-event';
import type { EventPayload, } from '../events/payloads';
import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import { emittedEventIdFor } from '../visitors/visitor-ids';
import type { VisitorDoc } from '../visitors/visitor.model';
import { compileSegment, type CompiledSegment, type SegmentFacts } from './evaluate-segment';
import type { SegmentDoc } from './segment.model';
import { segmentRepository } from './segment.repository';
import type { PersonSegmentStanding } from './person-segments.model';
import { personSegmentsRepository } from './person-segments.repository';
import { segmentMemberRepository } from './segment-member.repository';

export interface QualifyPersonResult {
  /** Segments joined and left by this evaluation. */
  joined: string[];
  left: string[];
  /** The earliest moment a membership ends with no new activity (the pipeline's timer), or null. */
  expiresAt: number | null;
}

/** Compiled rules by segment id and version (a rules edit is a new version). */
const compiled = new Map<string, CompiledSegment>();
const MAX_COMPILED = 1_000;

export async function qualifyPerson(deps: Deps, input: { visitor: VisitorDoc; facts: SegmentFacts; now: Date; emit: boolean }): Promise<QualifyPersonResult> {
  const { visitor, facts, now } = input;
  const [segments, stored] = await Promise.all([segmentRepository.listForEntity(visitor.workspaceId, 'person'), personSegmentsRepository.findById(visitor._id)]);
  const result: QualifyPersonResult = { joined: [], left: [], expiresAt: null };
  if (segments.length === 0 && !stored) return result;
  const before = new Map((stored?.segments ?? []).map((s) => [s.id, s]));
  const standings: PersonSegmentStanding[] = [];
  for (const segment of segments) {
    const verdict = compiledFor(segment).evaluate(facts, now.getTime());
    const previous = before.get(segment._id);
    const wasMember = previous?.member ?? false;
    if (verdict.member && verdict.expiresAt !== null) result.expiresAt = Math.min(result.expiresAt ?? Infinity, verdict.expiresAt);
    if (verdict.member === wasMember) {
      if (previous) standings.push(previous);
      else standings.push({ id: segment._id, member: false, since: now, changes: 0 });
      continue;
    }
    const standing = { id: segment._id, member: verdict.member, since: now, changes: (previous?.changes ?? 0) + 1 };
    standings.push(standing);
    // The members list first, the standing last: a retry after a crash in between redoes both.
    if (verdict.member) await segmentMemberRepository.add({ workspaceId: visitor.workspaceId, segmentId: segment._id, visitorId: visitor._id, since: now });
    else await segmentMemberRepository.remove(segment._id, visitor._id);
    (verdict.member ? result.joined : result.left).push(segment._id);
    if (input.emit) await announce(deps, visitor, segment, standing);
  }
  // Standings of deleted segments are dropped without an event.
  const changed = result.joined.length > 0 || result.left.length > 0 || standings.length !== before.size;
  if (changed) await personSegmentsRepository.save({ _id: visitor._id, workspaceId: visitor.workspaceId, segments: standings, updatedAt: now });
  return result;
}

function compiledFor(segment: SegmentDoc): CompiledSegment {
  const key = `${segment._id}:${segment.version}`;
  let segmentRules = compiled.get(key);
  if (!segmentRules) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    segmentRules = compileSegment(segment.rules);
    compiled.set(key, segmentRules);
  }
  return segmentRules;
}

async function announce(deps: Deps, visitor: VisitorDoc, segment: SegmentDoc, standing: PersonSegmentStanding): Promise<void> {
  const common = { visitor_id: visitor._id, contact_id: visitor._id, email: visitor.email, segment: { id: segment._id, name: segment.name } };
  const at = standing.since.toISOString();
  const [type, data]: ['person.segment_qualified', EventPayload<'person.segment_qualified'>] | ['person.segment_disqualified', EventPayload<'person.segment_disqualified'>] = standing.member
    ? ['person.segment_qualified', { ...common, qualified_at: at }]
    : ['person.segment_disqualified', { ...common, disqualified_at: at }];
  try {
    await emitEvent(deps, { workspaceId: visitor.workspaceId, type, data, id: emittedEventIdFor(`${visitor._id}/${segment._id}#${standing.changes}`, type), recordIfInvalid: true });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, type, visitorId: visitor._id, segmentId: segment._id }, 'emitted event failed its schema; recorded in failed_events, not delivered');
  }
}
