/**
 * Stores evaluations of one or many subjects: the members rows first, then the events (when
 * asked), then the standings last, so a retry after a crash anywhere redoes what is missing and
 * emits nothing twice (event ids derive from the transition).
 */
import { emitEvent } from '../events/emit-event';
import { mapBounded } from '../platform/bounded-parallel';
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import type { StandingsDecision } from './decide-standings';
import { segmentEventOf, subjectIdOf, type SegmentSubject } from './segment-events';
import { segmentMemberRepository, type MembershipChange } from './segment-member.repository';
import { segmentStandingRepository, type StandingsChange } from './segment-standing.repository';

export interface SubjectDecision {
  subject: SegmentSubject;
  workspaceId: string;
  decision: Pick<StandingsDecision, 'transitions' | 'unset'>;
  /** Whether the subject's standings document was found when read. */
  stored: boolean;
  /** For a subject without a pipeline to time it (an anonymous visitor): when its earliest membership ends; null: none does. */
  expiresAt?: Date | null;
}

/** Events of one evaluation stored and fanned out at once (a batch of visitors may bring many). */
const ANNOUNCE_CONCURRENCY = 8;

export async function recordStandings(deps: Deps, decisions: readonly SubjectDecision[], options: { emit: boolean; now: Date }): Promise<void> {
  const memberships: MembershipChange[] = [];
  const standings: StandingsChange[] = [];
  for (const { subject, workspaceId, decision, stored, expiresAt } of decisions) {
    const memberId = subjectIdOf(subject);
    for (const { segment, standing } of decision.transitions) {
      memberships.push(standing.member ? { join: { workspaceId, segmentId: segment._id, entity: subject.entity, memberId, since: standing.since } } : { leave: { segmentId: segment._id, memberId } });
    }
    if (decision.transitions.length || decision.unset.length || expiresAt !== undefined) {
      standings.push({ id: memberId, workspaceId, entity: subject.entity, set: Object.fromEntries(decision.transitions.map((t) => [t.segment._id, t.standing])), unset: decision.unset, exists: stored, expiresAt });
    }
  }
  await segmentMemberRepository.apply(memberships);
  if (options.emit) {
    const events = decisions.flatMap(({ subject, workspaceId, decision }) => decision.transitions.map((t) => ({ workspaceId, event: segmentEventOf(subject, t) })));
    await mapBounded(events, ANNOUNCE_CONCURRENCY, ({ workspaceId, event }) => announce(deps, workspaceId, event));
  }
  await segmentStandingRepository.apply(standings, options.now);
}

async function announce(deps: Deps, workspaceId: string, event: ReturnType<typeof segmentEventOf>): Promise<void> {
  try {
    await emitEvent(deps, { workspaceId, type: event.type, data: event.data, id: event.id, recordIfInvalid: true });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, type: event.type, eventId: event.id }, 'emitted event failed its schema; recorded in failed_events, not delivered');
  }
}
