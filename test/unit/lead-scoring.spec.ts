import { confidenceOf, gradeOf, nextGradeChangeAt, scoreLead, urlMatches, type ScoringActivity, type ScoringFacts } from '../../core/scoring/score-lead';
import { defaultScoringRules, scoringRulesSchema, type ScoringRule, type ScoringRules } from '../../core/scoring/scoring-rules';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const visit = (url: string, ageDays = 0): ScoringActivity => ({ kind: 'page_visit', url, at: daysAgo(ageDays) });
const event = (name: string, ageDays = 0): ScoringActivity => ({ kind: 'custom_event', name, at: daysAgo(ageDays) });

function facts(over: Partial<ScoringFacts> = {}): ScoringFacts {
  return {
    email: null,
    workEmail: null,
    company: { known: false, employeeRange: null, industry: null },
    attributes: {},
    tags: [],
    activities: [],
    enrichment: { enabled: 0, answered: 0 },
    ...over,
  };
}

function rulesWith(rules: ScoringRule[], over: Partial<ScoringRules> = {}): ScoringRules {
  return { ...defaultScoringRules, rules, decay: { half_life_days: 10 }, ...over };
}

const score = (rules: ScoringRule[], f: Partial<ScoringFacts>, now = NOW) => scoreLead(rulesWith(rules), facts(f), now);

describe('behaviour rules', () => {
  const pricing: ScoringRule = { type: 'page_visit', id: 'pricing', url: '/pricing*', points: 10, max_points: 30 };

  it('scores page visits by path, case-insensitively, and caps the total', () => {
    expect(score([pricing], { activities: [visit('https://acme.io/PRICING?plan=pro')] }).score).toBe(10);
    expect(score([pricing], { activities: [1, 2, 3, 4, 5].map(() => visit('https://acme.io/pricing')) }).score).toBe(30);
    expect(score([pricing], { activities: [visit('https://acme.io/blog/pricing')] }).score).toBe(0);
  });

  it('matches a pattern with a scheme against the full URL only', () => {
    expect(urlMatches('https://acme.io/*', 'https://ACME.io/x')).toBe(true);
    expect(urlMatches('https://acme.io/*', 'http://other.io/https://acme.io/')).toBe(false);
    expect(urlMatches('/pricing', 'https://acme.io/pricing?x=1')).toBe(true);
    expect(urlMatches('/pricing?plan=*', 'https://acme.io/pricing?plan=pro')).toBe(true);
    expect(urlMatches('*acme.io/docs*', 'https://acme.io/docs/a')).toBe(true);
    expect(urlMatches('/pricing', 'not a url')).toBe(false);
  });

  it('halves a behaviour point after one half-life and ignores activities after now', () => {
    const rule: ScoringRule = { type: 'custom_event', id: 'demo', name: 'demo_requested', points: 40, max_points: 40 };
    expect(score([rule], { activities: [event('demo_requested', 10)] }).score).toBe(20);
    expect(score([rule], { activities: [event('demo_requested', 20)] }).score).toBe(10);
    expect(score([rule], { activities: [event('demo_requested', -1)] }).score).toBe(0);
    expect(score([rule], { activities: [event('Demo_Requested')] }).score).toBe(0);
  });

  it('counts only activities within within_days', () => {
    const rule: ScoringRule = { ...pricing, within_days: 7 } as ScoringRule;
    expect(score([rule], { activities: [visit('https://a.io/pricing', 8)] }).score).toBe(0);
    expect(score([rule], { activities: [visit('https://a.io/pricing', 7)] }).score).toBe(6); // 10 × 0.5^0.7 = 6.2
  });

  it('caps negative behaviour at -max_points', () => {
    const careers: ScoringRule = { type: 'page_visit', id: 'careers', url: '/careers*', points: -20, max_points: 25 };
    const r = score([careers, { type: 'company_known', id: 'known', points: 40 }], { company: { known: true, employeeRange: null, industry: null }, activities: [visit('https://a.io/careers'), visit('https://a.io/careers')] });
    expect(r.score).toBe(15);
    expect(r.reasoning).toEqual([
      { rule_id: 'careers', points: -25, reason: 'Visited /careers* 2 times (decayed 2.0 visits × -20, cap 25)' },
      { rule_id: 'known', points: 40, reason: 'Company identified' },
    ].sort((a, b) => Math.abs(b.points) - Math.abs(a.points)));
  });
});

describe('fact rules', () => {
  const attr = (operator: string, value: unknown): ScoringRule => ({ type: 'attribute', id: 'a', attribute: 'plan', operator, value, points: 10 }) as ScoringRule;
  const hit = (rule: ScoringRule, attributes: ScoringFacts['attributes']) => score([rule], { attributes }).score === 10;

  it('evaluates attribute operators', () => {
    expect(hit(attr('eq', 'pro'), { plan: 'pro' })).toBe(true);
    expect(hit(attr('eq', 'pro'), { plan: 'Pro' })).toBe(false);
    expect(hit(attr('neq', 'free'), { plan: 'pro' })).toBe(true);
    expect(hit(attr('neq', 'free'), {})).toBe(false); // unknown is not "not free"
    expect(hit(attr('gt', 5), { plan: 6 })).toBe(true);
    expect(hit(attr('gt', 5), { plan: '6' })).toBe(false); // numbers compare with numbers only
    expect(hit(attr('gte', 5), { plan: 5 })).toBe(true);
    expect(hit(attr('lt', 5), { plan: 5 })).toBe(false);
    expect(hit(attr('lte', 5), { plan: 5 })).toBe(true);
    expect(hit(attr('contains', 'PRO'), { plan: 'Enterprise pro' })).toBe(true);
    expect(hit(attr('contains', '$plan'), { plan: 'pro' })).toBe(false); // a literal, not a field path
    expect(hit(attr('contains', '.*'), { plan: 'pro' })).toBe(false); // not a regex
    expect(hit(attr('contains', 'pro'), { plan: 1 })).toBe(false);
    expect(hit(attr('in', ['pro', 3]), { plan: 3 })).toBe(true);
    expect(hit(attr('in', ['pro', 3]), { plan: 'free' })).toBe(false);
    expect(hit(attr('exists', undefined), { plan: false })).toBe(true);
    expect(hit(attr('exists', false), { plan: 'x' })).toBe(false);
    expect(hit(attr('exists', false), {})).toBe(true);
  });

  it('does not see inherited properties as attributes', () => {
    const rule = { type: 'attribute', id: 'a', attribute: 'constructor', operator: 'exists', points: 10 } as ScoringRule;
    expect(score([rule], { attributes: {} }).score).toBe(0);
  });

  it('scores tags, work email, company, size and industry', () => {
    const rules: ScoringRule[] = [
      { type: 'tag', id: 'vip', tag: 'vip', points: 5 },
      { type: 'work_email', id: 'work', points: 15 },
      { type: 'company_known', id: 'known', points: 10 },
      { type: 'company_size', id: 'size', employee_ranges: ['51-200'], points: 20 },
      { type: 'industry', id: 'ind', industries: ['Software'], points: 7 },
    ];
    const r = score(rules, { email: 'jo@acme.io', workEmail: true, tags: ['vip'], company: { known: true, employeeRange: '51-200', industry: 'software' } });
    expect(r.score).toBe(57);
    expect(r.reasoning.map((c) => c.rule_id)).toEqual(['size', 'work', 'known', 'ind', 'vip']);
    expect(r.reasoning[1].reason).toBe('Uses a work email (acme.io)');
    expect(score(rules, { workEmail: null, tags: ['VIP'] }).score).toBe(0);
  });
});

describe('score, grade, summary, confidence', () => {
  it('grades at the thresholds', () => {
    expect(gradeOf(defaultScoringRules, 70)).toBe('hot');
    expect(gradeOf(defaultScoringRules, 69)).toBe('warm');
    expect(gradeOf(defaultScoringRules, 40)).toBe('warm');
    expect(gradeOf(defaultScoringRules, 39)).toBe('cold');
  });

  it('clamps to 0..100 and maps grade to lead_potential', () => {
    const big: ScoringRule[] = [
      { type: 'company_known', id: 'a', points: 100 },
      { type: 'tag', id: 'b', tag: 'x', points: 100 },
    ];
    const hot = score(big, { tags: ['x'], company: { known: true, employeeRange: null, industry: null } });
    expect([hot.score, hot.grade, hot.lead_potential]).toEqual([100, 'hot', 'high']);
    const low = score([{ type: 'tag', id: 'b', tag: 'x', points: -50 }], { tags: ['x'] });
    expect([low.score, low.grade, low.lead_potential]).toEqual([0, 'cold', 'low']);
  });

  it('scores the defaults and summarises the top three contributions', () => {
    const r = scoreLead(defaultScoringRules, facts({
      email: 'jo@acme.io',
      workEmail: true,
      company: { known: true, employeeRange: '201-500', industry: 'Software' },
      activities: [visit('https://acme.io/pricing'), event('demo_requested')],
    }), NOW);
    expect(r.score).toBe(70);
    expect(r.grade).toBe('hot');
    expect(r.reasoning.map((c) => c.rule_id)).toEqual(['demo_requested', 'work_email', 'pricing_page', 'company_known', 'company_size_51_plus']);
    expect(r.summary).toBe('Hot lead (score 70): Requested a demo; Uses a work email; Visited the pricing page.');
    expect(scoreLead(defaultScoringRules, facts(), NOW).summary).toBe('Cold lead (score 0): no scoring rule matched yet.');
  });

  it('keeps confidence within 0..1 and grows it with knowledge', () => {
    expect(confidenceOf(facts(), NOW)).toBe(0);
    const known = facts({ email: 'a@b.io', enrichment: { enabled: 2, answered: 1 }, activities: Array.from({ length: 5 }, () => visit('https://a.io/')) });
    expect(confidenceOf(known, NOW)).toBe(0.63); // 0.25 + 0.175 + 0.2
    const all = facts({ email: 'a@b.io', enrichment: { enabled: 2, answered: 5 }, activities: Array.from({ length: 500 }, () => visit('https://a.io/')) });
    expect(confidenceOf(all, NOW)).toBe(1);
  });
});

describe('nextGradeChangeAt', () => {
  const demo: ScoringRule = { type: 'custom_event', id: 'demo', name: 'd', points: 80, max_points: 80 };

  it('finds the decay crossing to within a second', () => {
    // 80 × 0.5^(t/10) rounds below 70 once 80·2^(-t/10) < 69.5: t = 10·log2(80/69.5) days.
    const at = nextGradeChangeAt(rulesWith([demo]), facts({ activities: [event('d')] }), NOW);
    const exact = NOW.getTime() + 10 * Math.log2(80 / 69.5) * DAY;
    expect(at).not.toBeNull();
    expect(Math.abs((at as Date).getTime() - exact)).toBeLessThan(1500);
  });

  it('finds a within_days window edge', () => {
    const rule = { ...demo, within_days: 1 } as ScoringRule;
    const rules = rulesWith([rule], { decay: { half_life_days: 365 } });
    const at = nextGradeChangeAt(rules, facts({ activities: [event('d', 0.5)] }), NOW) as Date;
    expect(Math.abs(at.getTime() - (NOW.getTime() + 0.5 * DAY))).toBeLessThanOrEqual(1000);
    expect(scoreLead(rules, facts({ activities: [event('d', 0.5)] }), at).grade).toBe('cold');
  });

  it('is null without behaviour points or when nothing changes', () => {
    expect(nextGradeChangeAt(defaultScoringRules, facts({ workEmail: true }), NOW)).toBeNull();
    const small: ScoringRule = { ...demo, points: 5 } as ScoringRule;
    expect(nextGradeChangeAt(rulesWith([small]), facts({ activities: [event('d')] }), NOW)).toBeNull();
  });

  it('stays fast for 1,000 activities', () => {
    const rules = { ...defaultScoringRules, rules: defaultScoringRules.rules.map((r) => (r.type === 'page_visit' ? { ...r, within_days: 30 } : r)) };
    const many = facts({ activities: Array.from({ length: 1000 }, (_, i) => visit(`https://acme.io/${i % 3 ? 'pricing' : 'demo'}`, (i % 60) / 2)) });
    for (let i = 0; i < 10; i++) nextGradeChangeAt(rules, many, NOW); // warm the JIT
    const started = performance.now();
    for (let i = 0; i < 10; i++) nextGradeChangeAt(rules, many, NOW);
    expect((performance.now() - started) / 10).toBeLessThan(15); // ~2 ms warm on a laptop; slack for busy CI
  });
});

describe('scoringRulesSchema', () => {
  const issues = (input: unknown) => {
    const r = scoringRulesSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  };
  const withRules = (rules: unknown[]) => ({ ...defaultScoringRules, rules });

  it('accepts the defaults', () => {
    expect(scoringRulesSchema.parse(defaultScoringRules)).toEqual(defaultScoringRules);
  });

  it('refuses duplicate ids at the duplicate', () => {
    const r = { type: 'work_email', id: 'x', points: 1 };
    expect(issues(withRules([r, { ...r, id: 'y' }, r]))).toEqual([{ path: 'rules.2.id', message: "duplicate rule id 'x'" }]);
  });

  it('refuses hot ≤ warm on grades.hot', () => {
    expect(issues({ ...defaultScoringRules, grades: { hot: 40, warm: 40 } })).toEqual([{ path: 'grades.hot', message: 'must be greater than grades.warm (40)' }]);
  });

  it.each([
    ['in', 'pro'],
    ['exists', 'yes'],
    ['gt', '5'],
    ['contains', 5],
    ['eq', undefined],
    ['eq', ['a']],
  ])('refuses operator %s with value %p on value', (operator, value) => {
    expect(issues(withRules([{ type: 'attribute', id: 'a', attribute: 'plan', operator, value, points: 1 }])).map((i) => i.path)).toEqual(['rules.0.value']);
  });

  it('refuses a bad operator, attribute name, url pattern, id and points', () => {
    const paths = (rule: object) => issues(withRules([rule])).map((i) => i.path);
    expect(paths({ type: 'attribute', id: 'a', attribute: 'plan', operator: 'regex', value: 'x', points: 1 })).toEqual(['rules.0.operator']);
    expect(paths({ type: 'attribute', id: 'a', attribute: 'a.b', operator: 'exists', points: 1 })).toEqual(['rules.0.attribute']);
    expect(paths({ type: 'attribute', id: 'a', attribute: '$where', operator: 'exists', points: 1 })).toEqual(['rules.0.attribute']);
    expect(paths({ type: 'page_visit', id: 'p', url: '*a*b*c*d*e*f*g*h*i', points: 1, max_points: 5 })).toEqual(['rules.0.url']);
    expect(paths({ type: 'page_visit', id: 'p', url: '', points: 1, max_points: 5 })).toEqual(['rules.0.url']);
    expect(paths({ type: 'tag', id: 'has space', tag: 't', points: 1 })).toEqual(['rules.0.id']);
    expect(paths({ type: 'tag', id: 't', tag: 't', points: 1.5 })).toEqual(['rules.0.points']);
    expect(paths({ type: 'custom_event', id: 'e', name: 'x', points: 1, max_points: 0 })).toEqual(['rules.0.max_points']);
    expect(paths({ type: 'company_size', id: 's', employee_ranges: ['2-3'], points: 1 })).toEqual(['rules.0.employee_ranges.0']);
  });

  it('refuses a bad half-life and more than 100 rules', () => {
    expect(issues({ ...defaultScoringRules, decay: { half_life_days: 0 } }).map((i) => i.path)).toEqual(['decay.half_life_days']);
    const many = Array.from({ length: 101 }, (_, i) => ({ type: 'tag', id: `t${i}`, tag: 't', points: 1 }));
    expect(issues(withRules(many)).map((i) => i.path)).toEqual(['rules']);
  });
});
