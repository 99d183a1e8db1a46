import { companySegmentFactsOf } from '../../core/segments/person-segment-facts';
import { compileSegment, type SegmentFacts } from '../../core/segments/evaluate-segment';
import { segmentRulesSchema } from '../../core/segments/segment-rules';
import type { CompanyDoc } from '../../core/companies/company.model';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12);

const company: CompanyDoc = { _id: 'cmp_1', workspaceId: 'ws', domain: 'acme.example', name: 'Acme', pageVisits: 7, visitorIds: ['v1', 'v2'], visitorCount: 2, firstSeenAt: new Date(NOW - 9 * DAY), lastSeenAt: new Date(NOW - DAY), createdAt: new Date(NOW - 9 * DAY) };
const person = (over: Partial<SegmentFacts>): SegmentFacts => ({ profile: { person: { job_title: 'Engineer' }, lead: { grade: 'cold', score: 10 } }, attributes: {}, tags: [], visits: [], events: [], sessionStarts: [], lastSeenAt: null, ...over });
const holds = (rules: unknown, facts: SegmentFacts, now = NOW) => compileSegment(segmentRulesSchema.parse(rules)).evaluate(facts, now);

describe('company segment facts: a company is its people together', () => {
  const ann = person({ attributes: { plan: 'pro' }, tags: ['beta'], visits: [{ url: 'https://acme.example/pricing', at: NOW - 2 * DAY }], lastSeenAt: NOW - 2 * DAY });
  const ben = person({ profile: { person: { job_title: 'Head of Growth' }, lead: { grade: 'hot', score: 80 } }, attributes: { plan: 'free' }, visits: [{ url: 'https://acme.example/pricing?x', at: NOW - DAY }], sessionStarts: [NOW - DAY], lastSeenAt: NOW - DAY });
  const facts = companySegmentFactsOf({ company, details: { industry: 'Software' }, people: [ann, ben] });

  it('counts every person’s behaviour in a window, and ends when enough of it leaves the window', () => {
    const verdict = holds({ all: [{ visited: '/pricing*', at_least: 2, within_days: 7 }] }, facts);
    // Ann's visit (2 days ago) is the second-newest: it leaves the 7-day window first.
    expect(verdict).toEqual({ member: true, expiresAt: NOW - 2 * DAY + 7 * DAY });
    expect(holds({ all: [{ visited: '/pricing*', at_least: 2, within_days: 7 }] }, companySegmentFactsOf({ company, details: {}, people: [ann] })).member).toBe(false);
  });

  it('a person, lead, attribute or tag condition holds when one of its people meets it', () => {
    expect(holds({ all: [{ attribute: 'plan', op: 'eq', value: 'pro' }] }, facts).member).toBe(true);
    expect(holds({ all: [{ attribute: 'plan', op: 'eq', value: 'team' }] }, facts).member).toBe(false);
    expect(holds({ all: [{ field: 'lead.grade', op: 'eq', value: 'hot' }] }, facts).member).toBe(true);
    expect(holds({ all: [{ field: 'person.job_title', op: 'contains', value: 'growth' }] }, facts).member).toBe(true);
    expect(holds({ all: [{ tag: 'beta' }] }, facts).member).toBe(true);
  });

  it('company and enrichment fields read the company’s own details and counters', () => {
    expect(holds({ all: [{ field: 'company.visitor_count', op: 'gte', value: 2 }, { field: 'company.domain', op: 'eq', value: 'acme.example' }] }, facts).member).toBe(true);
    expect(holds({ all: [{ field: 'enrichment.industry', op: 'eq', value: 'Software' }] }, facts).member).toBe(true);
    expect(facts.lastSeenAt).toBe(NOW - DAY);
    expect(companySegmentFactsOf({ company, details: {}, people: [] }).lastSeenAt).toBe(company.lastSeenAt.getTime());
  });
});
