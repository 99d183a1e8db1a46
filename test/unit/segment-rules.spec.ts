import fc from 'fast-check';
import { compileSegment, type SegmentFacts } from '../../core/segments/evaluate-segment';
import { segmentRulesSchema, type SegmentRuleNode, type SegmentRules } from '../../core/segments/segment-rules';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12);

const facts = (over: Partial<SegmentFacts> = {}): SegmentFacts => ({
  profile: { person: { job_title: 'Head of Growth', name: 'Maya Patel' }, company: { domain: 'northwind.com', industry: 'Software', employees: 120 }, acquisition: { country: 'DE', source: 'google' }, lead: { grade: 'warm', score: 55 } },
  attributes: { plan: 'pro', seats: 12 },
  tags: ['newsletter', 'beta'],
  visits: [],
  events: [],
  sessionStarts: [],
  lastSeenAt: NOW - DAY,
  ...over,
});

const rules = (raw: unknown): SegmentRules => segmentRulesSchema.parse(raw);
const member = (raw: unknown, f: SegmentFacts = facts(), now = NOW) => compileSegment(rules(raw)).evaluate(f, now);

describe('segment rules: validation', () => {
  it('accepts nested groups of every kind of condition, as the README writes them', () => {
    const parsed = segmentRulesSchema.safeParse({
      all: [
        { field: 'acquisition.country', op: 'in', value: ['DE', 'AT', 'CH'] },
        { any: [{ attribute: 'plan', op: 'eq', value: 'pro' }, { tag: 'vip' }] },
        { visited: '/pricing*', at_least: 3, within_days: 7 },
        { event: 'demo_requested', within_days: 30 },
        { sessions_at_least: 2, within_days: 14 },
        { last_seen_within_days: 7 },
        { field: 'lead.grade', op: 'neq', value: 'cold' },
      ],
    });
    expect(parsed.success).toBe(true);
    // at_least defaults to 1.
    expect(parsed.data && 'all' in parsed.data && parsed.data.all[3]).toEqual({ event: 'demo_requested', at_least: 1, within_days: 30 });
  });

  it('refuses a bad condition with the path to it', () => {
    const issues = (raw: unknown) => segmentRulesSchema.safeParse(raw).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? [];
    // A union reports the branch that got furthest: the path ends at the offending condition.
    expect(issues({ all: [{ tag: 'ok' }, { any: [{ field: 'person.job_title', op: 'in', value: 'CEO' }] }] })).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^all\.1/) })]));
    expect(segmentRulesSchema.safeParse({ all: [{ field: 'password.hash', op: 'eq', value: 'x' }] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [{ attribute: 'a.b', op: 'eq', value: 'x' }] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [{ visited: '/pricing*', within_days: 0 }] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [{ tag: 'x', extra: 1 }] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [{ field: 'lead.score', op: 'gt', value: true }] }).success).toBe(false);
    expect(segmentRulesSchema.safeParse({ all: [{ field: 'lead.score', op: 'contains', value: 3 }] }).success).toBe(false);
    let deep: unknown = { tag: 'x' };
    for (let i = 0; i < 6; i++) deep = { all: [deep] };
    expect(issues(deep)).toEqual([{ path: '', message: 'groups may nest at most 5 deep (these nest 6)' }]);
  });
});

describe('segment rules: evaluation', () => {
  it('compares profile fields and attributes with typed operators, and matches tags', () => {
    expect(member({ all: [{ field: 'acquisition.country', op: 'eq', value: 'DE' }] }).member).toBe(true);
    expect(member({ all: [{ field: 'acquisition.country', op: 'neq', value: 'DE' }] }).member).toBe(false);
    expect(member({ all: [{ field: 'company.employees', op: 'gte', value: 51 }, { field: 'company.employees', op: 'lt', value: 200 }] }).member).toBe(true);
    expect(member({ all: [{ field: 'person.job_title', op: 'contains', value: 'GROWTH' }] }).member).toBe(true);
    expect(member({ all: [{ field: 'person.job_title', op: 'contains', value: '.*' }] }).member).toBe(false); // a text, never a pattern
    expect(member({ all: [{ field: 'lead.grade', op: 'in', value: ['hot', 'warm'] }] }).member).toBe(true);
    expect(member({ all: [{ field: 'company.industry', op: 'exists' }] }).member).toBe(true);
    expect(member({ all: [{ field: 'company.size', op: 'exists', value: false }] }).member).toBe(true);
    expect(member({ all: [{ attribute: 'seats', op: 'gt', value: 10 }, { attribute: 'plan', op: 'eq', value: 'pro' }] }).member).toBe(true);
    expect(member({ any: [{ tag: 'vip' }, { tag: 'beta' }] }).member).toBe(true);
    expect(member({ all: [{ tag: 'vip' }] }).member).toBe(false);
    // Not time-bound: no expiry.
    expect(member({ all: [{ tag: 'beta' }] }).expiresAt).toBeNull();
  });

  it('"visited /pricing 3 times in 7 days" ends 7 days after the third-from-last visit', () => {
    const visits = [10, 6, 3, 1].map((daysAgo) => ({ url: `https://northwind.com/pricing?d=${daysAgo}`, at: NOW - daysAgo * DAY }));
    const verdict = member({ all: [{ visited: '/pricing*', at_least: 3, within_days: 7 }] }, facts({ visits }));
    expect(verdict).toEqual({ member: true, expiresAt: NOW - 6 * DAY + 7 * DAY });
    const other = [{ url: 'https://northwind.com/blog', at: NOW }];
    expect(member({ all: [{ visited: '/pricing*', at_least: 3, within_days: 7 }] }, facts({ visits: [...visits.filter((_, i) => i !== 1), ...other] })).member).toBe(false);
  });

  it('ends at the first window end after which the rules no longer hold, through any / all', () => {
    const f = facts({ events: [{ name: 'demo_requested', at: NOW - 2 * DAY }], lastSeenAt: NOW - DAY });
    // Either keeps the person in: the later of the two ends.
    expect(member({ any: [{ event: 'demo_requested', within_days: 3 }, { last_seen_within_days: 5 }] }, f).expiresAt).toBe(NOW + 4 * DAY);
    // Both are needed: the earlier end.
    expect(member({ all: [{ event: 'demo_requested', within_days: 3 }, { last_seen_within_days: 5 }] }, f).expiresAt).toBe(NOW + DAY);
    // A window that keeps holding alongside an untimed condition in `any`: no expiry.
    expect(member({ any: [{ event: 'demo_requested', within_days: 3 }, { tag: 'beta' }] }, f).expiresAt).toBeNull();
  });

  describe('properties (random people, rules and clocks)', () => {
    const urls = ['https://northwind.com/pricing', 'https://northwind.com/pricing?plan=pro', 'https://northwind.com/blog/a', 'https://northwind.com/demo'];
    const at = fc.integer({ min: NOW - 40 * DAY, max: NOW });
    const factsArb = fc.record({
      visits: fc.array(fc.record({ url: fc.constantFrom(...urls), at }), { maxLength: 12 }),
      events: fc.array(fc.record({ name: fc.constantFrom('demo_requested', 'signup'), at }), { maxLength: 8 }),
      sessionStarts: fc.array(at, { maxLength: 8 }),
      lastSeenAt: fc.option(at, { nil: null }),
      tags: fc.subarray(['beta', 'vip', 'newsletter']),
      plan: fc.constantFrom('free', 'pro'),
    }).map(({ plan, ...rest }): SegmentFacts => ({ ...facts(), ...rest, attributes: { plan } }));
    const days = fc.constantFrom(0.5, 1, 3, 7, 14, 30);
    const condition: fc.Arbitrary<SegmentRuleNode> = fc.oneof(
      fc.record({ visited: fc.constantFrom('/pricing*', '*/demo', '/blog/*'), at_least: fc.integer({ min: 1, max: 4 }), within_days: days }),
      fc.record({ event: fc.constantFrom('demo_requested', 'signup'), at_least: fc.integer({ min: 1, max: 3 }), within_days: days }),
      fc.record({ sessions_at_least: fc.integer({ min: 1, max: 3 }), within_days: days }),
      fc.record({ last_seen_within_days: days }),
      fc.record({ tag: fc.constantFrom('beta', 'vip') }),
      fc.record({ attribute: fc.constant('plan'), op: fc.constant('eq'), value: fc.constantFrom('free', 'pro') }),
    );
    const tree = fc.letrec<{ node: SegmentRuleNode; group: SegmentRuleNode }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, condition, tie('group')),
      group: fc.oneof(fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) })),
    })).group;
    const rulesArb = tree.filter((r) => segmentRulesSchema.safeParse(r).success).map((r) => segmentRulesSchema.parse(r));

    it('expiresAt is where evaluating from scratch at later times first says "not a member", and nothing joins with time alone', () => {
      fc.assert(
        fc.property(rulesArb, factsArb, (r, f) => {
          const segment = compileSegment(r);
          const verdict = segment.evaluate(f, NOW);
          // Every moment a window could end: each counted item's time, or the last visit, plus each window length.
          const windows = [0.5, 1, 3, 7, 14, 30].map((d) => d * DAY);
          const times = [...f.visits.map((v) => v.at), ...f.events.map((e) => e.at), ...f.sessionStarts, ...(f.lastSeenAt === null ? [] : [f.lastSeenAt])];
          const candidates = [...new Set(times.flatMap((t) => windows.map((w) => t + w)))].filter((t) => t > NOW).sort((a, b) => a - b);
          const firstOut = candidates.find((t) => !segment.evaluate(f, t).member) ?? null;
          if (!verdict.member) {
            expect(verdict.expiresAt).toBeNull();
            for (const t of candidates) expect(segment.evaluate(f, t).member).toBe(false);
            return;
          }
          expect(verdict.expiresAt).toBe(firstOut);
          if (verdict.expiresAt !== null) {
            expect(segment.evaluate(f, verdict.expiresAt - 1).member).toBe(true);
            expect(segment.evaluate(f, verdict.expiresAt).member).toBe(false);
          } else {
            expect(segment.evaluate(f, NOW + 400 * DAY).member).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
