/**
 * Segment rules as a pure function of what is known about a person (or company) and the clock:
 * member or not, and until when, if nothing new happens. The rules compile once into a mingo
 * query over a facts document; behaviour in time windows is counted here, and the query sees
 * each window condition as a boolean. Pure: no I/O (the pipeline gathers the facts).
 */
import { Context, Query } from 'mingo';
import { urlMatches } from '../scoring/score-lead';
import { childrenOf, isGroup, type SegmentCondition, type SegmentFieldRoot, type SegmentRuleNode, type SegmentRules, type WindowCondition } from './segment-rules';

/** What segment rules are evaluated against. Times are epoch milliseconds. */
export interface SegmentFacts {
  /**
   * The documents `field` conditions name (`person.job_title` reads `profile.person.job_title`).
   * A list (a company's people) matches when any of its items does.
   */
  profile: Partial<Record<SegmentFieldRoot, Record<string, unknown> | ReadonlyArray<Record<string, unknown>> | null>>;
  attributes: Record<string, unknown> | ReadonlyArray<Record<string, unknown>>;
  tags: readonly string[];
  visits: ReadonlyArray<{ url: string; at: number }>;
  events: ReadonlyArray<{ name: string; at: number }>;
  sessionStarts: readonly number[];
  lastSeenAt: number | null;
}

export interface SegmentVerdict {
  member: boolean;
  /**
   * When membership ends if nothing new happens: the moment enough of the counted behaviour has
   * left its window. Null when not a member, or when membership does not depend on the clock.
   */
  expiresAt: number | null;
}

/** Which facts beyond the visitor document the rules read, so a backfill loads only those. */
export interface SegmentNeeds {
  /** Page visits and custom events (`visited`, `event`): the timeline. */
  behaviour: boolean;
  /** Enriched person, company and enrichment fields. */
  enrichment: boolean;
  /** The lead's status, score and grade. */
  lead: boolean;
}

export interface CompiledSegment {
  evaluate(facts: SegmentFacts, now: number): SegmentVerdict;
  needs: SegmentNeeds;
}

const DAY_MS = 86_400_000;

/**
 * Case-insensitive substring of a text (or of any text in a list). A query operator of our own,
 * so `contains` never turns the user's text into a regular expression.
 */
function $containsText(selector: string, value: unknown) {
  const needle = String(value).toLowerCase();
  return (doc: AnyObject): boolean => valuesAt(doc, selector.split('.')).some((got) => typeof got === 'string' && got.toLowerCase().includes(needle));
}

/** Every value at a dotted path, through lists on the way (a company's people) and in a list at the end. */
function valuesAt(at: unknown, keys: readonly string[]): unknown[] {
  if (Array.isArray(at)) return at.flatMap((item) => valuesAt(item, keys));
  if (keys.length === 0) return [at];
  if (at === null || typeof at !== 'object') return [];
  return valuesAt((at as AnyObject)[keys[0]], keys.slice(1));
}

/** Added to mingo's own operators (its Query merges a given context into its defaults). */
const context = Context.init({ query: { $containsText } as never });

type AnyObject = Record<string, unknown>;

/** Compiles the rules once; the result evaluates any number of people. */
export function compileSegment(rules: SegmentRules): CompiledSegment {
  const windows: WindowCondition[] = [];
  const query = new Query(toQuery(rules, windows), { context });
  const matches = (facts: SegmentFacts, holding: readonly boolean[]) => query.test(factsDocument(facts, holding));

  return {
    needs: needsOf(rules),
    evaluate(facts, now) {
      const states = windows.map((w) => windowState(w, facts, now));
      const holding = states.map((s) => s.holds);
      if (!matches(facts, holding)) return { member: false, expiresAt: null };
      // Only holding windows can change, and only from true to false (time passing removes what
      // they count), and groups are and/or: membership ends at the first of these ends after
      // which the rules no longer hold.
      const ends = states.flatMap((s, i) => (s.until === null ? [] : [{ i, at: s.until }])).sort((a, b) => a.at - b.at);
      for (const end of ends) {
        holding[end.i] = false;
        if (!matches(facts, holding)) return { member: true, expiresAt: end.at };
      }
      return { member: true, expiresAt: null };
    },
  };
}

function needsOf(rules: SegmentRuleNode): SegmentNeeds {
  const needs: SegmentNeeds = { behaviour: false, enrichment: false, lead: false };
  const walk = (node: SegmentRuleNode): void => {
    if (isGroup(node)) return childrenOf(node).forEach(walk);
    if ('visited' in node || 'event' in node) needs.behaviour = true;
    if ('field' in node) {
      if (node.field.startsWith('lead.')) needs.lead = true;
      else if (!node.field.startsWith('acquisition.') && node.field !== 'person.email') needs.enrichment = true;
    }
  };
  walk(rules);
  return needs;
}

function factsDocument(facts: SegmentFacts, holding: readonly boolean[]): AnyObject {
  const windows = Object.fromEntries(holding.map((h, i) => [`w${i}`, h]));
  return { ...facts.profile, attributes: facts.attributes, tags: facts.tags, windows };
}

/** The mingo query of a rule node; window conditions are numbered into `windows` and read from the facts document. */
function toQuery(node: SegmentRuleNode, windows: WindowCondition[]): AnyObject {
  if (isGroup(node)) return { ['all' in node ? '$and' : '$or']: childrenOf(node).map((child) => toQuery(child, windows)) };
  return conditionQuery(node, windows);
}

function conditionQuery(condition: SegmentCondition, windows: WindowCondition[]): AnyObject {
  if ('field' in condition) return comparison(condition.field, condition.op, condition.value);
  if ('attribute' in condition) return comparison(`attributes.${condition.attribute}`, condition.op, condition.value);
  if ('tag' in condition) return { tags: condition.tag };
  windows.push(condition);
  return { [`windows.w${windows.length - 1}`]: true };
}

function comparison(path: string, op: string, value: unknown): AnyObject {
  switch (op) {
    case 'exists':
      return value === false ? { [path]: null } : { [path]: { $ne: null } };
    case 'contains':
      return { [path]: { $containsText: value } };
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'in':
      return { [path]: { [`$${op === 'neq' ? 'ne' : op}`]: value } };
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

/** Whether a window condition holds now, and (when it does) the moment it stops holding if nothing new happens. */
function windowState(condition: WindowCondition, facts: SegmentFacts, now: number): { holds: boolean; until: number | null } {
  if ('last_seen_within_days' in condition) {
    const windowMs = condition.last_seen_within_days * DAY_MS;
    const holds = facts.lastSeenAt !== null && facts.lastSeenAt > now - windowMs;
    return { holds, until: holds && facts.lastSeenAt !== null ? facts.lastSeenAt + windowMs : null };
  }
  const windowMs = condition.within_days * DAY_MS;
  const [times, needed] =
    'visited' in condition ? [facts.visits.filter((v) => urlMatches(condition.visited, v.url)).map((v) => v.at), condition.at_least]
    : 'event' in condition ? [facts.events.filter((e) => e.name === condition.event).map((e) => e.at), condition.at_least]
    : [facts.sessionStarts, condition.sessions_at_least];
  // Newest first: the needed-th newest is the one whose leaving the window ends the condition.
  const counted = times.filter((at) => at > now - windowMs).sort((a, b) => b - a);
  const holds = counted.length >= needed;
  return { holds, until: holds ? counted[needed - 1] + windowMs : null };
}
