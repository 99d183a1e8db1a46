/**
 * What a segment's rules may say: nested `all` / `any` groups of conditions over a person's (or
 * company's) profile, typed attributes, tags and behaviour in time windows. Validated here (zod,
 * shown in OpenAPI); evaluated by evaluate-segment.ts. Pure: no I/O.
 */
import { z } from 'zod';
import { urlPattern } from '../scoring/scoring-rules';

/** Profile documents a `field` condition may name, and how deep. */
export const SEGMENT_FIELD_ROOTS = ['person', 'company', 'acquisition', 'lead', 'enrichment'] as const;
export type SegmentFieldRoot = (typeof SEGMENT_FIELD_ROOTS)[number];
const MAX_DEPTH = 5;
const MAX_CONDITIONS = 50;

const operator = z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'exists']).meta({
  description: '`contains`: case-insensitive substring of a text, or of any text in a list; `in`: one of `value` (a list); `exists`: present and not null (`value: false` for absent)',
});
const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const comparisonValue = z.union([scalar, z.array(scalar).min(1).max(100)]).optional();

/** `value` must fit the operator: a list for `in`, a boolean (or nothing) for `exists`, one value otherwise. */
function checkValue(condition: { op: string; value?: unknown }, ctx: z.RefinementCtx): void {
  const { op, value } = condition;
  const problem =
    op === 'in' ? (Array.isArray(value) ? null : 'must be a list of values for `in`')
    : op === 'exists' ? (value === undefined || typeof value === 'boolean' ? null : 'must be true, false or absent for `exists`')
    : Array.isArray(value) || value === undefined ? `must be one value for \`${op}\``
    : (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value === 'boolean' ? `must be a number or a text for \`${op}\``
    : op === 'contains' && typeof value !== 'string' ? 'must be a text for `contains`'
    : null;
  if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
}

const fieldPath = z
  .string()
  .max(100)
  .regex(new RegExp(`^(${SEGMENT_FIELD_ROOTS.join('|')})(\\.[a-z0-9_]+){1,2}$`), `must be ${SEGMENT_FIELD_ROOTS.join(', ')} followed by one or two field names, e.g. company.industry`)
  .meta({ description: `A profile field: \`${SEGMENT_FIELD_ROOTS.join('`, `')}\` and one or two names, e.g. \`person.job_title\`, \`acquisition.country\`, \`lead.grade\`, \`enrichment.company_size\`` });

const fieldCondition = z.strictObject({ field: fieldPath, op: operator, value: comparisonValue }).superRefine(checkValue);

const attributeCondition = z
  .strictObject({
    attribute: z.string().min(1).max(100).regex(/^[^.$]+$/, 'must not contain "." or "$"').meta({ description: 'A visitor attribute by name (as set through identify or the attributes API)' }),
    op: operator,
    value: comparisonValue,
  })
  .superRefine(checkValue);

const tagCondition = z.strictObject({ tag: z.string().min(1).max(100).meta({ description: 'Has this tag' }) });

const atLeast = z.int().min(1).max(10_000).default(1).meta({ description: 'How many times, at least (default 1)' });
const withinDays = z.number().positive().max(365).meta({ description: 'Counted over the last D days (fractions allowed)' });

const visitedCondition = z.strictObject({ visited: urlPattern, at_least: atLeast, within_days: withinDays });
const eventCondition = z.strictObject({ event: z.string().min(1).max(200).meta({ description: 'A custom event name' }), at_least: atLeast, within_days: withinDays });
const sessionsCondition = z.strictObject({ sessions_at_least: z.int().min(1).max(10_000), within_days: withinDays });
const lastSeenCondition = z.strictObject({ last_seen_within_days: withinDays });

export type FieldCondition = z.infer<typeof fieldCondition>;
export type AttributeCondition = z.infer<typeof attributeCondition>;
export type TagCondition = z.infer<typeof tagCondition>;
export type VisitedCondition = z.infer<typeof visitedCondition>;
export type EventCondition = z.infer<typeof eventCondition>;
export type SessionsCondition = z.infer<typeof sessionsCondition>;
export type LastSeenCondition = z.infer<typeof lastSeenCondition>;
/** Conditions whose truth depends on the clock as well as on what happened. */
export type WindowCondition = VisitedCondition | EventCondition | SessionsCondition | LastSeenCondition;
export type SegmentCondition = FieldCondition | AttributeCondition | TagCondition | WindowCondition;
export type SegmentRuleNode = SegmentCondition | { all: SegmentRuleNode[] } | { any: SegmentRuleNode[] };

const node: z.ZodType<SegmentRuleNode> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(node).min(1).max(MAX_CONDITIONS).meta({ description: 'Every one of these holds' }) }),
    z.strictObject({ any: z.array(node).min(1).max(MAX_CONDITIONS).meta({ description: 'At least one of these holds' }) }),
    fieldCondition,
    attributeCondition,
    tagCondition,
    visitedCondition,
    eventCondition,
    sessionsCondition,
    lastSeenCondition,
  ]),
).meta({ id: 'SegmentRuleNode', description: 'A group (`all` or `any`) or one condition' });

/** A segment's rules: one group, at most MAX_DEPTH deep, with at most MAX_CONDITIONS conditions in all. */
export const segmentRulesSchema = z
  .union([z.strictObject({ all: z.array(node).min(1).max(MAX_CONDITIONS) }), z.strictObject({ any: z.array(node).min(1).max(MAX_CONDITIONS) })])
  .superRefine((rules, ctx) => {
    const { depth, conditions } = measure(rules);
    if (depth > MAX_DEPTH) ctx.addIssue({ code: 'custom', message: `groups may nest at most ${MAX_DEPTH} deep (these nest ${depth})` });
    if (conditions > MAX_CONDITIONS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_CONDITIONS} conditions in all (these have ${conditions})` });
  })
  .meta({
    id: 'SegmentRules',
    description: 'Nested `all` / `any` groups of conditions: profile fields, attributes, tags, and behaviour in time windows (`visited`, `event`, `sessions_at_least`, `last_seen_within_days`)',
  });
export type SegmentRules = z.infer<typeof segmentRulesSchema>;

export function isGroup(node: SegmentRuleNode): node is { all: SegmentRuleNode[] } | { any: SegmentRuleNode[] } {
  return 'all' in node || 'any' in node;
}

export function childrenOf(group: { all: SegmentRuleNode[] } | { any: SegmentRuleNode[] }): SegmentRuleNode[] {
  return 'all' in group ? group.all : group.any;
}

function measure(rule: SegmentRuleNode): { depth: number; conditions: number } {
  if (!isGroup(rule)) return { depth: 0, conditions: 1 };
  const inner = childrenOf(rule).map(measure);
  return { depth: 1 + Math.max(0, ...inner.map((m) => m.depth)), conditions: inner.reduce((sum, m) => sum + m.conditions, 0) };
}
