/**
 * Lead scoring as pure functions of (rules, facts, now): no I/O, no clock of its own, so the
 * same inputs always give the same score and the shell decides when to persist or emit.
 *
 * Behaviour rules (page visits, custom events) fade: an activity of age `a` is worth
 * points × 0.5^(a / half-life), the rule's total is capped at ±max_points, and `within_days`
 * drops older activities outright. Every other rule is a fixed yes/no fact.
 */
import { Query } from 'mingo';
import { matchesGlob } from '../webhooks/filters';
import type { AttributeRule, BehaviourRule, EmployeeRange, ScoringRule, ScoringRules } from './scoring-rules';

export type LeadGrade = 'hot' | 'warm' | 'cold';

export type ScoringActivity = { kind: 'page_visit'; url: string; at: Date } | { kind: 'custom_event'; name: string; at: Date };

export interface ScoringFacts {
  email: string | null;
  /** null: not known yet (enrichment not done); only `true` earns work_email points. */
  workEmail: boolean | null;
  company: { known: boolean; employeeRange: EmployeeRange | null; industry: string | null };
  attributes: Record<string, string | number | boolean>;
  tags: readonly string[];
  activities: ReadonlyArray<ScoringActivity>;
  /** Enrichment providers enabled, and how many of them returned a result (feeds confidence). */
  enrichment: { enabled: number; answered: number };
}

export interface RuleContribution {
  rule_id: string;
  /** Rounded to one decimal. */
  points: number;
  reason: string;
}

export interface LeadScore {
  /** Integer 0..100: the sum of all rule totals, clamped and rounded. */
  score: number;
  grade: LeadGrade;
  /** Rules that contributed (rounded points ≠ 0), biggest absolute first; ties keep rule order. */
  reasoning: RuleContribution[];
  /** One sentence from the top contributions, for Prospektr's lead_reasoning. */
  summary: string;
  /** 0..1, two decimals; see confidenceOf. */
  confidence: number;
  lead_potential: 'high' | 'medium' | 'low';
}

const DAY_MS = 86_400_000;
const SUMMARY_TOP = 3;

// ---- matching ------------------------------------------------------------------------------

/**
 * Case-insensitive glob match of a page URL. A pattern with a scheme (`https://…`) is matched
 * against the full URL only; one without is also matched against the path and the path+query
 * (no fragment), so `/pricing*` matches `https://example.com/pricing?plan=pro`. Linear in the
 * URL: matchesGlob builds no RegExp from the user's pattern.
 */
export function urlMatches(pattern: string, url: string): boolean {
  return globMatchesPage(pattern.toLowerCase(), pageTexts(url));
}

/**
 * The lower-cased texts a page URL is matched on: the full URL, its path and its path+query (no
 * fragment). Split by hand rather than with `new URL`, which cost most of a scoring run's time;
 * tracker URLs arrive already normalised by the browser.
 */
function pageTexts(url: string): string[] {
  const text = url.toLowerCase();
  const scheme = text.indexOf('://');
  if (scheme < 0) return [text];
  const rest = text.slice(scheme + 3);
  const authorityEnd = rest.search(/[/?#]/);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd).split('#', 1)[0];
  const query = tail.indexOf('?');
  const path = (query < 0 ? tail : tail.slice(0, query)) || '/';
  return [text, path, path + (query < 0 ? '' : tail.slice(query))];
}

function globMatchesPage(glob: string, texts: readonly string[]): boolean {
  if (glob.includes('://')) return matchesGlob(glob, texts[0]);
  return texts.some((text) => matchesGlob(glob, text));
}

/** Matches activities to a behaviour rule; each page URL is parsed once however many rules test it. */
function activityMatcher(): (rule: BehaviourRule, activity: ScoringActivity) => boolean {
  const texts = new Map<ScoringActivity, string[]>();
  return (rule, activity) => {
    if (rule.type === 'custom_event') return activity.kind === 'custom_event' && activity.name === rule.name;
    if (activity.kind !== 'page_visit') return false;
    let page = texts.get(activity);
    if (!page) texts.set(activity, (page = pageTexts(activity.url)));
    return globMatchesPage(rule.url.toLowerCase(), page);
  };
}

/**
 * The attribute condition as a Mongo query over `{ attributes }`, evaluated by mingo. Attribute
 * names are schema-checked (no dots or `$`), so the path cannot reach elsewhere; user values
 * are only ever compared, never read as operators: `contains` uses `$indexOfBytes` on a
 * `$literal` (mingo lacks `$indexOfCP`; for a found/not-found test byte and code-point indexes
 * agree) instead of a `$regex` built from input. `neq` needs the attribute to be set: an unknown
 * plan should not earn "plan is not free" points. Comparisons follow Mongo's type brackets, so
 * `gt 5` never matches the string "6".
 */
export function attributeQuery(rule: AttributeRule): Record<string, unknown> {
  const path = `attributes.${rule.attribute}`;
  const value = rule.value;
  switch (rule.operator) {
    case 'eq':
      return { [path]: { $eq: value } };
    case 'neq':
      return { [path]: { $exists: true, $ne: value } };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [path]: { [`$${rule.operator}`]: value } };
    case 'in':
      return { [path]: { $in: value } };
    case 'exists':
      return { [path]: { $exists: value !== false } };
    case 'contains': {
      const needle = String(value).toLowerCase();
      const field = `$${path}`;
      return {
        $expr: {
          $and: [{ $eq: [{ $type: field }, 'string'] }, { $gte: [{ $indexOfBytes: [{ $toLower: field }, { $literal: needle }] }, 0] }],
        },
      };
    }
  }
}

export function attributeMatches(rule: AttributeRule, attributes: ScoringFacts['attributes']): boolean {
  // A null-prototype copy, so `constructor` or `__proto__` are unset attributes, not inherited ones.
  const own = Object.assign(Object.create(null) as Record<string, unknown>, attributes);
  return new Query(attributeQuery(rule)).test({ attributes: own });
}

const operatorWords: Record<AttributeRule['operator'], string> = {
  eq: 'is',
  neq: 'is not',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  contains: 'contains',
  in: 'is one of',
  exists: 'is set',
};

/** The reason a non-behaviour rule earns its points, or null when it does not apply. */
function fixedReason(rule: Exclude<ScoringRule, BehaviourRule>, facts: ScoringFacts): string | null {
  switch (rule.type) {
    case 'attribute': {
      if (!attributeMatches(rule, facts.attributes)) return null;
      if (rule.operator === 'exists') return `Attribute ${rule.attribute} ${rule.value === false ? 'is not set' : 'is set'}`;
      return `Attribute ${rule.attribute} ${operatorWords[rule.operator]} ${JSON.stringify(rule.value)}`;
    }
    case 'tag':
      return facts.tags.includes(rule.tag) ? `Tagged ${rule.tag}` : null;
    case 'work_email':
      return facts.workEmail === true ? `Uses a work email${facts.email ? ` (${facts.email.slice(facts.email.lastIndexOf('@') + 1)})` : ''}` : null;
    case 'company_known':
      return facts.company.known ? 'Company identified' : null;
    case 'company_size': {
      const range = facts.company.employeeRange;
      return range && rule.employee_ranges.includes(range) ? `Company has ${range} employees` : null;
    }
    case 'industry': {
      const industry = facts.company.industry?.trim().toLowerCase();
      return industry && rule.industries.some((i) => i.trim().toLowerCase() === industry) ? `Industry is ${facts.company.industry}` : null;
    }
  }
}

// ---- compiled view: matching done once, time-dependent parts evaluated many times ------------

/** A behaviour rule with the times (ms, ascending) of the activities it matches. */
interface Track {
  rule: BehaviourRule;
  times: number[];
  windowMs: number;
}

type Slot = { kind: 'fixed'; rule: ScoringRule; points: number; reason: string } | { kind: 'track'; track: Track };

interface Compiled {
  rules: ScoringRules;
  halfLifeMs: number;
  slots: Slot[];
  tracks: Track[];
}

function compile(rules: ScoringRules, facts: ScoringFacts): Compiled {
  const slots: Slot[] = [];
  const tracks: Track[] = [];
  const activityMatches = activityMatcher();
  for (const rule of rules.rules) {
    if (rule.type === 'page_visit' || rule.type === 'custom_event') {
      const times = facts.activities.filter((a) => activityMatches(rule, a)).map((a) => a.at.getTime()).sort((a, b) => a - b);
      const track = { rule, times, windowMs: rule.within_days === undefined ? Infinity : rule.within_days * DAY_MS };
      tracks.push(track);
      slots.push({ kind: 'track', track });
    } else {
      const reason = fixedReason(rule, facts);
      if (reason !== null) slots.push({ kind: 'fixed', rule, points: rule.points, reason });
    }
  }
  return { rules, halfLifeMs: rules.decay.half_life_days * DAY_MS, slots, tracks };
}

/** First index whose time is ≥ t (strict: > t). */
function bound(times: readonly number[], t: number, strict: boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t || (strict && times[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexes [lo, hi) of the activities that count at t: not after t, and age ≤ within_days. */
function windowAt(track: Track, t: number): [number, number] {
  return [bound(track.times, t - track.windowMs, false), bound(track.times, t, true)];
}

function decayedAt(track: Track, t: number, halfLifeMs: number): { count: number; decayed: number } {
  const [lo, hi] = windowAt(track, t);
  let decayed = 0;
  for (let i = lo; i < hi; i++) decayed += 0.5 ** ((t - track.times[i]) / halfLifeMs);
  return { count: hi - lo, decayed };
}

const capped = (rule: BehaviourRule, decayed: number) => Math.max(-rule.max_points, Math.min(rule.max_points, rule.points * decayed));
const toScore = (sum: number) => Math.round(Math.min(100, Math.max(0, sum)));

interface Evaluated {
  rule: ScoringRule;
  total: number;
  reason: () => string;
}

/** Every slot's total at t, in rule order; reasons are built only when asked for. */
function evaluate(c: Compiled, t: number): Evaluated[] {
  return c.slots.map((slot) => {
    if (slot.kind === 'fixed') return { rule: slot.rule, total: slot.points, reason: () => slot.reason };
    const { rule } = slot.track;
    const { count, decayed } = decayedAt(slot.track, t, c.halfLifeMs);
    return { rule, total: capped(rule, decayed), reason: () => behaviourReason(rule, count, decayed) };
  });
}

function exactScore(c: Compiled, t: number): number {
  let sum = 0;
  for (const e of evaluate(c, t)) sum += e.total;
  return toScore(sum);
}

function behaviourReason(rule: BehaviourRule, count: number, decayed: number): string {
  const times = `${count} time${count === 1 ? '' : 's'}`;
  const window = rule.within_days === undefined ? '' : `, last ${rule.within_days} days`;
  const maths = `decayed ${decayed.toFixed(1)}${rule.type === 'page_visit' ? ' visits' : ''} × ${rule.points}, cap ${rule.max_points}${window}`;
  return rule.type === 'page_visit' ? `Visited ${rule.url} ${times} (${maths})` : `Sent event ${rule.name} ${times} (${maths})`;
}

// ---- public API --------------------------------------------------------------------------

export function gradeOf(rules: ScoringRules, score: number): LeadGrade {
  if (score >= rules.grades.hot) return 'hot';
  if (score >= rules.grades.warm) return 'warm';
  return 'cold';
}

const potentialOf: Record<LeadGrade, LeadScore['lead_potential']> = { hot: 'high', warm: 'medium', cold: 'low' };
const round = (n: number, decimals: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;

/**
 * How much we know about the lead, 0..1:
 *   0.25 × [email known]
 * + 0.35 × answered / enabled enrichment providers (0 when none is enabled)
 * + 0.40 × (1 − 0.5^(activities / 5))   — activities up to now; 5 activities give half of it
 * rounded to two decimals. Each part is within its weight, so the sum stays within 0..1.
 */
export function confidenceOf(facts: ScoringFacts, now: Date): number {
  const email = facts.email ? 0.25 : 0;
  const { enabled, answered } = facts.enrichment;
  const enrichment = enabled > 0 ? 0.35 * Math.min(1, Math.max(0, answered) / enabled) : 0;
  const seen = facts.activities.filter((a) => a.at.getTime() <= now.getTime()).length;
  const activity = 0.4 * (1 - 0.5 ** (seen / 5));
  return round(Math.min(1, email + enrichment + activity), 2);
}

function summaryOf(grade: LeadGrade, score: number, top: Array<{ text: string }>): string {
  const label = `${grade[0].toUpperCase()}${grade.slice(1)} lead (score ${score})`;
  if (top.length === 0) return `${label}: no scoring rule matched yet.`;
  return `${label}: ${top.map((t) => t.text).join('; ')}.`;
}

export function scoreLead(rules: ScoringRules, facts: ScoringFacts, now: Date): LeadScore {
  const evaluated = evaluate(compile(rules, facts), now.getTime());
  let sum = 0;
  for (const e of evaluated) sum += e.total;
  const score = toScore(sum);
  const grade = gradeOf(rules, score);
  const contributing = evaluated
    .map((e) => ({ e, points: round(e.total, 1) }))
    .filter(({ points }) => points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  const reasoning = contributing.map(({ e, points }) => ({ rule_id: e.rule.id, points, reason: e.reason() }));
  const top = contributing.slice(0, SUMMARY_TOP).map(({ e }, i) => ({ text: e.rule.description ?? reasoning[i].reason }));
  return {
    score,
    grade,
    reasoning,
    summary: summaryOf(grade, score, top),
    confidence: confidenceOf(facts, now),
    lead_potential: potentialOf[grade],
  };
}

// ---- when the grade changes by itself ---------------------------------------------------

/** Behaviour older than this many half-lives is worth < 2^-40 of its points: the search stops there. */
const HORIZON_HALF_LIVES = 40;
const SAMPLES = 160;
const PRECISION_MS = 1000;

/**
 * A fast scorer for the forward scan: per track, prefix sums of 2^((at − now)/h) turn the
 * decayed sum over any window into two binary searches and one power. Exponents stay ≤ the
 * horizon (40), so nothing overflows; very old activities underflow to 0, as they are worth
 * ~0 anyway. Floating-point sums differ from evaluate() by ~1e-13, so every hit is confirmed
 * with the exact scorer and the bisection uses only the exact one.
 */
function fastScorer(c: Compiled, now: number): (t: number) => number {
  let fixedSum = 0;
  for (const slot of c.slots) if (slot.kind === 'fixed') fixedSum += slot.points;
  const prefixes = c.tracks.map((track) => {
    const prefix = [0];
    for (const at of track.times) prefix.push(prefix[prefix.length - 1] + 2 ** ((at - now) / c.halfLifeMs));
    return prefix;
  });
  return (t) => {
    let sum = fixedSum;
    c.tracks.forEach((track, i) => {
      const [lo, hi] = windowAt(track, t);
      if (hi > lo) sum += capped(track.rule, (prefixes[i][hi] - prefixes[i][lo]) * 2 ** (-(t - now) / c.halfLifeMs));
    });
    return toScore(sum);
  };
}

/** Instants to test after now: even samples over the horizon, plus every jump (an activity leaving its window, or a future-dated one arriving). */
function candidateTimes(c: Compiled, now: number): number[] {
  const end = now + HORIZON_HALF_LIVES * c.halfLifeMs;
  const times: number[] = [];
  for (let k = 1; k <= SAMPLES; k++) times.push(Math.round(now + ((end - now) * k) / SAMPLES));
  for (const track of c.tracks) {
    for (const at of track.times) {
      if (at > now && at <= end) times.push(at);
      const leaves = Math.floor(at + track.windowMs) + 1;
      if (leaves > now && leaves <= end) times.push(leaves);
    }
  }
  return times.sort((a, b) => a - b);
}

/**
 * The earliest moment after `now` at which the grade would change with no new facts (decay, a
 * within_days window passing, or a future-dated activity arriving), to ~1 s; null if it does
 * not change within 40 half-lives. Scores need not be monotone (negative points decay too), so
 * rather than solving for the crossing we scan samples and jump times in order, then bisect
 * the first interval whose end has another grade. A grade that flips and flips back between
 * two samples (only possible with mixed-sign behaviour rules) can be missed.
 */
export function nextGradeChangeAt(rules: ScoringRules, facts: ScoringFacts, now: Date): Date | null {
  const c = compile(rules, facts);
  if (c.tracks.every((track) => track.times.length === 0)) return null;
  const start = now.getTime();
  const current = gradeOf(rules, exactScore(c, start));
  const differs = (t: number) => gradeOf(rules, exactScore(c, t)) !== current;
  const fast = fastScorer(c, start);
  let previous = start;
  for (const t of candidateTimes(c, start)) {
    if (t > previous && gradeOf(rules, fast(t)) !== current && differs(t)) return new Date(bisect(differs(previous) ? start : previous, t, differs));
    previous = Math.max(previous, t);
  }
  return null;
}

/** With !differs(lo) and differs(hi): a time ≤ 1 s after a point where the grade is still the same. */
function bisect(lo: number, hi: number, differs: (t: number) => boolean): number {
  while (hi - lo > PRECISION_MS) {
    const mid = Math.floor((lo + hi) / 2);
    if (differs(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
