import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { mergeVisitorInto } from '../../core/visitors/merge-visitors';
import { newVisitor } from '../../core/visitors/new-visitor';
import { emptySummary, recordPageVisit, sessionCount } from '../../core/visitors/sessions';
import type { Acquisition, ActivitySummary, Touch } from '../../core/visitors/visitor-types';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const summaryOf = (...times: number[]): ActivitySummary => times.reduce(recordPageVisit, emptySummary());
const touch = (source: string, touchedAt: number): Touch => ({ source, medium: 'organic', campaign: null, utm: {}, referrer: `https://${source}.example/`, landingPage: null, clickIds: {}, touchedAt });
const acquisition = (source: string, acquiredAt: number): Acquisition => ({
  source,
  medium: null,
  campaign: null,
  landingPage: null,
  landingIp: null,
  landingLocation: null,
  landingUserAgent: null,
  acquiredAt,
});

function visitor(over: Partial<VisitorDoc>): VisitorDoc {
  return { ...newVisitor('ws_1', 'vis_x', 'fp:x', new Date(T0)), ...over };
}

const person = () =>
  visitor({
    _id: 'vis_person',
    key: 'email:jo@techcorp.com',
    email: 'jo@techcorp.com',
    customerId: 'cus_1',
    identifiedAt: new Date(T0 + 2 * DAY),
    leadId: 'lead_person',
    mergedVisitorIds: ['vis_old'],
    person: { name: 'Jo Doe', phone: null },
    company: { domain: 'techcorp.com', name: 'TechCorp' },
    acquisition: acquisition('person-acq', T0 + 2 * DAY),
    firstTouch: touch('newsletter', T0 + 2 * DAY),
    lastTouch: touch('newsletter', T0 + 2 * DAY),
    clickIds: { gclid: 'target' },
    attributes: { plan: 'pro', seats: 5 },
    tags: ['customer', 'vip'],
    segments: ['Paying'],
    summary: summaryOf(T0 + 2 * DAY),
    activityCount: 3,
    recentEventIds: ['ing_a'],
    firstSeenAt: new Date(T0 + 2 * DAY),
    lastSeenAt: new Date(T0 + 2 * DAY),
  });

const anonymous = () =>
  visitor({
    _id: 'vis_anon',
    key: 'fp:abc',
    mergedVisitorIds: ['vis_older_anon', 'vis_person'],
    person: { phone: '+1 555 0100', title: 'CTO', name: 'Someone Else' },
    company: { domain: 'other.com', name: null },
    acquisition: acquisition('Google', T0),
    firstTouch: touch('Google', T0),
    lastTouch: touch('Twitter', T0 + DAY),
    clickIds: { gclid: 'source', fbclid: 'fb' },
    attributes: { plan: 'free', visited_pricing: true },
    tags: ['vip', 'trial'],
    segments: ['Visitors', 'Paying'],
    summary: summaryOf(T0, T0 + 60_000, T0 + DAY),
    activityCount: 9,
    recentEventIds: ['ing_b'],
    firstSeenAt: new Date(T0),
    lastSeenAt: new Date(T0 + DAY),
  });

describe('mergeVisitorInto', () => {
  const now = new Date(T0 + 3 * DAY);

  it('keeps the target identity and bookkeeping', () => {
    const m = mergeVisitorInto(person(), anonymous(), now);
    expect(m).toMatchObject({
      _id: 'vis_person',
      workspaceId: 'ws_1',
      key: 'email:jo@techcorp.com',
      email: 'jo@techcorp.com',
      customerId: 'cus_1',
      leadId: 'lead_person',
      activityCount: 3,
      recentEventIds: ['ing_a'],
      company: { domain: 'techcorp.com', name: 'TechCorp' },
    });
    expect(m.identifiedAt).toEqual(new Date(T0 + 2 * DAY));
    expect(m.updatedAt).toBe(now);
  });

  it('unions the activity history', () => {
    const m = mergeVisitorInto(person(), anonymous(), now);
    expect(m.summary.pageVisits).toBe(4);
    expect(sessionCount(m.summary)).toBe(3);
    expect(m.summary.firstSeen).toBe(T0);
    expect(m.summary.lastSeen).toBe(T0 + 2 * DAY);
    expect(m.firstSeenAt).toEqual(new Date(T0));
    expect(m.lastSeenAt).toEqual(new Date(T0 + 2 * DAY));
  });

  it('takes the earliest first touch, the latest last touch and the first-seen acquisition', () => {
    const m = mergeVisitorInto(person(), anonymous(), now);
    expect(m.firstTouch?.source).toBe('Google');
    expect(m.lastTouch?.source).toBe('newsletter');
    expect(m.acquisition?.source).toBe('Google');
  });

  it('keeps the target acquisition when the target was seen first, or fills it when missing', () => {
    const early = visitor({ ...person(), summary: summaryOf(T0 - DAY), firstSeenAt: new Date(T0 - DAY) });
    expect(mergeVisitorInto(early, anonymous(), now).acquisition?.source).toBe('person-acq');
    const noAcq = visitor({ ...early, acquisition: null });
    expect(mergeVisitorInto(noAcq, anonymous(), now).acquisition?.source).toBe('Google');
  });

  it('unions click ids, attributes, tags and segments with the target winning', () => {
    const m = mergeVisitorInto(person(), anonymous(), now);
    expect(m.clickIds).toEqual({ gclid: 'target', fbclid: 'fb' });
    expect(m.attributes).toEqual({ plan: 'pro', seats: 5, visited_pricing: true });
    expect(m.tags).toEqual(['customer', 'vip', 'trial']);
    expect(m.segments).toEqual(['Paying', 'Visitors']);
  });

  it('fills only missing person fields from the source', () => {
    expect(mergeVisitorInto(person(), anonymous(), now).person).toEqual({ name: 'Jo Doe', phone: '+1 555 0100', title: 'CTO' });
  });

  it('records the absorbed ids without duplicates or the target itself', () => {
    expect(mergeVisitorInto(person(), anonymous(), now).mergedVisitorIds).toEqual(['vis_old', 'vis_anon', 'vis_older_anon']);
  });

  it('takes the source company when the target has none', () => {
    expect(mergeVisitorInto(visitor({ ...person(), company: null }), anonymous(), now).company).toEqual({ domain: 'other.com', name: null });
  });

  it('does not mutate its inputs', () => {
    const target = person();
    const source = anonymous();
    const before = structuredClone({ target, source });
    mergeVisitorInto(target, source, now);
    expect({ target, source }).toEqual(before);
  });
});
