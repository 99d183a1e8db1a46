/**
 * The minute sweep's part for segments: anonymous visitors whose membership in a time window has
 * ended by now (their standing's `expiresAt`) are evaluated again, emitting
 * `person.segment_disqualified` where they left, and get their next `expiresAt`. A visitor
 * identified since is timed by their person workflow from then on; one gone or merged away
 * is dropped from the sweep.
 */
import type { Deps } from '../platform/deps';
import { visitorRepository } from '../visitors/visitor.repository';
import type { VisitorDoc } from '../visitors/visitor.model';
import { qualifyGroup } from './qualify-visitors';
import { segmentRepository } from './segment.repository';
import { segmentStandingRepository } from './segment-standing.repository';

export async function expireSegmentMemberships(deps: Deps, input: { limit: number }, now = new Date()): Promise<{ evaluated: number }> {
  const due = await segmentStandingRepository.expiredBy(now, input.limit);
  if (due.length === 0) return { evaluated: 0 };
  const visitors = await visitorRepository.findMany(due.map((d) => d._id));
  const anonymous = [...visitors.values()].filter((v) => !v.leadId && !v.mergedInto);
  await segmentStandingRepository.clearExpiry(due.map((d) => d._id).filter((id) => !anonymous.some((v) => v._id === id)));
  const byWorkspace = new Map<string, VisitorDoc[]>();
  for (const v of anonymous) byWorkspace.set(v.workspaceId, [...(byWorkspace.get(v.workspaceId) ?? []), v]);
  for (const [workspaceId, group] of byWorkspace) {
    await qualifyGroup(deps, group, await segmentRepository.listForEntity(workspaceId, 'person'), now, { rewriteExpiry: true });
  }
  if (anonymous.length) deps.logger.info({ evaluated: anonymous.length }, 'segment sweep re-evaluated visitors whose window ended');
  return { evaluated: anonymous.length };
}
