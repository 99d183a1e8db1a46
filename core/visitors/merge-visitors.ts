/**
 * Identity merge: a known person (`target`) absorbs an anonymous visitor (`source`). History is
 * unioned; identity (ids, email, lead, event bookkeeping) stays the target's. Pure: returns a new doc.
 */
import type { VisitorDoc } from './visitor.model';
import { mergeTouches } from './attribution';
import { mergeSummaries } from './sessions';
import type { Acquisition, PersonDetails } from './visitor-types';

function union<T>(...lists: T[][]): T[] {
  return [...new Set(lists.flat())];
}

function minDate(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return b.getTime() < a.getTime() ? b : a;
}

function maxDate(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return b.getTime() > a.getTime() ? b : a;
}

function firstSeenOf(v: VisitorDoc): number | null {
  return v.summary.firstSeen ?? v.firstSeenAt?.getTime() ?? null;
}

/** Acquisition describes the very first visit, so it comes from whichever visitor was seen first. */
function earliestAcquisition(target: VisitorDoc, source: VisitorDoc): Acquisition | null {
  const t = firstSeenOf(target);
  const s = firstSeenOf(source);
  const sourceFirst = t !== null && s !== null && s < t;
  return sourceFirst ? (source.acquisition ?? target.acquisition) : (target.acquisition ?? source.acquisition);
}

/** The target's details, with gaps (null/undefined) filled from the source. */
function fillPerson(target: PersonDetails, source: PersonDetails): PersonDetails {
  const person: PersonDetails = { ...target };
  for (const key of Object.keys(source) as (keyof PersonDetails)[]) {
    if (person[key] == null && source[key] != null) person[key] = source[key];
  }
  return person;
}

export function mergeVisitorInto(target: VisitorDoc, source: VisitorDoc, now: Date): VisitorDoc {
  return {
    ...target,
    ...mergeTouches(target, source),
    summary: mergeSummaries(target.summary, source.summary),
    acquisition: earliestAcquisition(target, source),
    clickIds: { ...source.clickIds, ...target.clickIds },
    attributes: { ...source.attributes, ...target.attributes },
    tags: union(target.tags, source.tags),
    segments: union(target.segments, source.segments),
    person: fillPerson(target.person, source.person),
    company: target.company ?? source.company,
    firstSeenAt: minDate(target.firstSeenAt, source.firstSeenAt),
    lastSeenAt: maxDate(target.lastSeenAt, source.lastSeenAt),
    mergedVisitorIds: union(target.mergedVisitorIds, [source._id], source.mergedVisitorIds).filter((id) => id !== target._id),
    recentEventIds: [...target.recentEventIds],
    updatedAt: now,
  };
}
