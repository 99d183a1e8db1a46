import type { VisitorDoc } from './visitor.model';
import { emptySummary } from './sessions';

/** A visitor seen for the first time: empty history, no identity. */
export function newVisitor(workspaceId: string, visitorId: string, key: string, now: Date): VisitorDoc {
  return {
    _id: visitorId,
    workspaceId,
    key,
    mergedInto: null,
    mergedVisitorIds: [],
    email: null,
    customerId: null,
    identifiedAt: null,
    leadId: null,
    person: {},
    company: null,
    acquisition: null,
    firstTouch: null,
    lastTouch: null,
    clickIds: {},
    attributes: {},
    tags: [],
    segments: [],
    summary: emptySummary(),
    activityCount: 0,
    recentEventIds: [],
    firstSeenAt: null,
    lastSeenAt: null,
    createdAt: now,
    updatedAt: now,
  };
}
