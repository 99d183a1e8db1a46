import fc from 'fast-check';
import { nextGradeChangeAt, scoreLead, urlMatches, type ScoringActivity, type ScoringFacts } from '../../core/scoring/score-lead';
import { scoringRulesSchema, type ScoringRule, type ScoringRules } from '../../core/scoring/scoring-rules';

const NOW = new Date('2026-06-01T12:00:00Z').getTime();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const urls = ['https://acme.io/pricing', 'https://acme.io/pricing?plan=pro', 'https://acme.io/demo', 'https://acme.io/blog/demo-day', 'https://other.io/'];
const patterns = ['/pricing*', '*demo*', 'https://acme.io/*', '/pricing', '*'];
const names = ['demo_requested', 'signup'];

function aBehaviourRule(min: number): fc.Arbitrary<Omit<ScoringRule, 'id'>> {
  const behaviour = { points: fc.integer({ min, max: 100 }), max_points: fc.integer({ min: 1, max: 100 }), within_days: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }) };
  return fc.oneof(
    fc.record({ type: fc.constant('page_visit' as const), url: fc.constantFrom(...patterns), ...behaviour }, { requiredKeys: ['type', 'url', 'points', 'max_points'] }),
    fc.record({ type: fc.constant('custom_event' as const), name: fc.constantFrom(...names), ...behaviour }, { requiredKeys: ['type', 'name', 'points', 'max_points'] }),
  );
}

/** Points in [min, 100]: min 0 for the monotonicity properties, -100 for arbitrary ones. */
function aRule(min: number): fc.Arbitrary<Omit<ScoringRule, 'id'>> {
  const points = fc.integer({ min, max: 100 });
  return fc.oneof(
    aBehaviourRule(min),
    fc.oneof(
      fc.record({ operator: fc.constantFrom('eq' as const, 'neq' as const), value: fc.constantFrom('pro', 3, true) }),
      fc.record({ operator: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), value: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ operator: fc.constant('contains' as const), value: fc.constantFrom('pr', 'x') }),
      fc.record({ operator: fc.constant('in' as const), value: fc.constantFrom(['pro', 3], ['free']) }),
      fc.record({ operator: fc.constant('exists' as const), value: fc.constantFrom(undefined, true, false) }),
    ).chain((cond) => fc.record({ type: fc.constant('attribute' as const), attribute: fc.constantFrom('plan', 'seats'), points }).map((r) => ({ ...r, ...cond }))),
    fc.record({ type: fc.constant('tag' as const), tag: fc.constantFrom('vip', 'partner'), points }),
    fc.record({ type: fc.constant('work_email' as const), points }),
    fc.record({ type: fc.constant('company_known' as const), points }),
    fc.record({ type: fc.constant('company_size' as const), employee_ranges: fc.constant(['51-200' as const]), points }),
    fc.record({ type: fc.constant('industry' as const), industries: fc.constant(['Software']), points }),
  ) as fc.Arbitrary<Omit<ScoringRule, 'id'>>;
}

/** `behaviourFirst`: one to four behaviour rules ahead of the rest, so grades move over time more often. */
function aConfig(min: number, behaviourFirst = false): fc.Arbitrary<ScoringRules> {
  const rules = behaviourFirst
    ? fc.tuple(fc.array(aBehaviourRule(min), { minLength: 1, maxLength: 4 }), fc.array(aRule(min), { maxLength: 3 })).map(([b, r]) => [...b, ...r])
    : fc.array(aRule(min), { maxLength: 8 });
  return fc
    .record({
      rules,
      half_life_days: fc.constantFrom(0.5, 1, 7, 14, 60),
      warm: fc.integer({ min: 1, max: 98 }),
      gap: fc.integer({ min: 1, max: 60 }),
    })
    .map(({ rules, half_life_days, warm, gap }) =>
      scoringRulesSchema.parse({
        rules: rules.map((r, i) => ({ ...r, id: `r${i}` })),
        decay: { half_life_days },
        grades: { warm, hot: Math.min(100, warm + gap) },
        qualifying_grade: 'hot',
        emit_on_every_change: false,
      }),
    );
}

/** Activities at whole hours up to `maxDays` before now (`future` allows up to a day after it). */
function anActivity(future = false, maxDays = 60): fc.Arbitrary<ScoringActivity> {
  const at = fc.integer({ min: future ? -24 : 0, max: maxDays * 24 }).map((hours) => new Date(NOW - hours * HOUR));
  return fc.oneof(
    fc.record({ kind: fc.constant('page_visit' as const), url: fc.constantFrom(...urls), at }),
    fc.record({ kind: fc.constant('custom_event' as const), name: fc.constantFrom(...names, 'other'), at }),
  );
}

function someFacts(future = false, maxDays = 60): fc.Arbitrary<ScoringFacts> {
  return fc.record({
    email: fc.constantFrom(null, 'jo@acme.io'),
    workEmail: fc.constantFrom(null, true, false),
    company: fc.record({ known: fc.boolean(), employeeRange: fc.constantFrom(null, '51-200' as const, '1-10' as const), industry: fc.constantFrom(null, 'software', 'Retail') }),
    attributes: fc.dictionary(fc.constantFrom('plan', 'seats'), fc.constantFrom<string | number | boolean>('pro', 'free', 3, 0, true)),
    tags: fc.subarray(['vip', 'partner']),
    activities: fc.array(anActivity(future, maxDays), { maxLength: 20 }),
    enrichment: fc.record({ enabled: fc.integer({ min: 0, max: 3 }), answered: fc.integer({ min: 0, max: 3 }) }),
  });
}

const at = (t: number) => new Date(t);
const gradeAt = (rules: ScoringRules, facts: ScoringFacts, t: number) => scoreLead(rules, facts, at(t)).grade;

function matches(rule: ScoringRule, activity: ScoringActivity): boolean {
  if (rule.type === 'page_visit') return activity.kind === 'page_visit' && urlMatches(rule.url, activity.url);
  return rule.type === 'custom_event' && activity.kind === 'custom_event' && activity.name === rule.name;
}

describe('lead scoring properties', () => {
  it('scores an integer within 0..100, with ordered reasoning and confidence within 0..1', () => {
    fc.assert(
      fc.property(aConfig(-100), someFacts(true), (rules, facts) => {
        const r = scoreLead(rules, facts, at(NOW));
        expect(Number.isInteger(r.score) && r.score >= 0 && r.score <= 100).toBe(true);
        const sizes = r.reasoning.map((c) => Math.abs(c.points));
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        expect(r.confidence >= 0 && r.confidence <= 1).toBe(true);
      }),
    );
  });

  it('never lowers the score for an activity at now when every rule it matches has non-negative points (and never raises it when all are non-positive)', () => {
    fc.assert(
      fc.property(aConfig(-100), someFacts(), anActivity(), (rules, facts, extra) => {
        const now = { ...extra, at: at(NOW) };
        const matched = rules.rules.filter((r) => matches(r, now));
        const before = scoreLead(rules, facts, at(NOW)).score;
        const after = scoreLead(rules, { ...facts, activities: [...facts.activities, now] }, at(NOW)).score;
        if (matched.every((r) => r.points >= 0)) expect(after).toBeGreaterThanOrEqual(before);
        if (matched.every((r) => r.points <= 0)) expect(after).toBeLessThanOrEqual(before);
      }),
    );
  });

  it('never raises the score with age when all points are non-negative', () => {
    fc.assert(
      fc.property(aConfig(0), someFacts(), fc.integer({ min: 0, max: 90 * DAY }), fc.integer({ min: 0, max: 90 * DAY }), (rules, facts, a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(scoreLead(rules, facts, at(NOW + late)).score).toBeLessThanOrEqual(scoreLead(rules, facts, at(NOW + early)).score);
      }),
    );
  });

  it('nextGradeChangeAt (non-negative points): the grade differs at the answer and not at instants before it; null means it never changes', () => {
    fc.assert(
      fc.property(aConfig(0, true), someFacts(false, 7), (rules, facts) => {
        const current = gradeAt(rules, facts, NOW);
        const next = nextGradeChangeAt(rules, facts, at(NOW));
        if (next === null) {
          expect(gradeAt(rules, facts, NOW + 40 * rules.decay.half_life_days * DAY)).toBe(current);
          return;
        }
        const t = next.getTime();
        expect(t).toBeGreaterThan(NOW);
        expect(gradeAt(rules, facts, t)).not.toBe(current);
        const before = t - 1000; // bisection precision
        for (const k of [0, 0.25, 0.5, 0.9, 1]) expect(gradeAt(rules, facts, Math.max(NOW, Math.floor(NOW + (before - NOW) * k)))).toBe(current);
      }),
    );
  });

  it('nextGradeChangeAt (any points): the grade differs at the answer', () => {
    fc.assert(
      fc.property(aConfig(-100, true), someFacts(true, 7), (rules, facts) => {
        const next = nextGradeChangeAt(rules, facts, at(NOW));
        if (next !== null) expect(gradeAt(rules, facts, next.getTime())).not.toBe(gradeAt(rules, facts, NOW));
      }),
    );
  });
});
