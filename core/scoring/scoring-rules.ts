/**
 * A workspace's lead-scoring configuration: which facts earn points, how behaviour fades, and
 * where the grade thresholds sit. Pure data + validation; score-lead.ts applies it. Field names
 * are snake_case because the public API shows this object as is.
 */
import { z } from 'zod';
import { employeeRangeSchema } from '../events/payloads';
import { urlPatternProblem } from '../webhooks/filters';

export const SCORING_RULES_MAX = 100;
export type EmployeeRange = z.infer<typeof employeeRangeSchema>;

const ruleId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_-]+$/i, 'Use letters, digits, `_` and `-` only')
  .meta({ description: 'Unique within the workspace; names the rule in `reasoning`' });
const description = z.string().max(200).optional().meta({ description: 'Shown instead of the computed reason in the summary' });
const points = z
  .number()
  .int()
  .min(-100)
  .max(100)
  .meta({ description: 'Points the rule adds (negative to subtract); behaviour rules: per matching activity, before decay' });
const maxPoints = z
  .number()
  .int()
  .min(1)
  .max(100)
  .meta({ description: "Cap on the absolute value of the rule's decayed total" });
const withinDays = z
  .number()
  .positive()
  .max(3650)
  .optional()
  .meta({ description: 'Only activities in the last D days count; absent: all of them (decay still applies)' });

export const urlPattern = z
  .string()
  .superRefine((pattern, ctx) => {
    const problem = urlPatternProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description:
      'Case-insensitive glob, `*` matches anything. Matched against the full URL and, for a pattern without a scheme, also against the path and path+query, so `/pricing*` matches `https://example.com/pricing?plan=pro`.',
  });

const pageVisitRule = z.object({
  type: z.literal('page_visit'),
  id: ruleId,
  description,
  url: urlPattern,
  points,
  max_points: maxPoints,
  within_days: withinDays,
});

const customEventRule = z.object({
  type: z.literal('custom_event'),
  id: ruleId,
  description,
  name: z.string().min(1).max(200).meta({ description: 'Event name, compared exactly' }),
  points,
  max_points: maxPoints,
  within_days: withinDays,
});

export const attributeOperators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'in', 'exists'] as const;
export type AttributeOperator = (typeof attributeOperators)[number];
const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

/** Why a value does not fit an operator, or null: keeps nonsense like `gt "abc"` out of stored rules. */
function attributeValueProblem(operator: AttributeOperator, value: unknown): string | null {
  switch (operator) {
    case 'in':
      return Array.isArray(value) && value.length > 0 ? null : "'in' needs a non-empty array value";
    case 'exists':
      return value === undefined || typeof value === 'boolean' ? null : "'exists' takes no value or a boolean";
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' ? null : `'${operator}' needs a number value`;
    case 'contains':
      return typeof value === 'string' && value.length > 0 ? null : "'contains' needs a non-empty string value";
    case 'eq':
    case 'neq':
      return value !== undefined && !Array.isArray(value) ? null : `'${operator}' needs a string, number or boolean value`;
  }
}

const attributeRule = z
  .object({
    type: z.literal('attribute'),
    id: ruleId,
    description,
    attribute: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'Use a letter or `_` then letters, digits or `_` (no dots or `$`)')
      .meta({ description: 'Key in the lead attributes' }),
    operator: z.enum(attributeOperators).meta({
      description:
        '`neq` matches only an attribute that is set (an unknown value earns nothing); `contains` is a case-insensitive substring test on a string attribute; `gt`/`gte`/`lt`/`lte` compare numbers only',
    }),
    value: z.union([scalar, z.array(z.union([z.string().max(500), z.number()])).max(100)]).optional(),
    points,
  })
  .superRefine((rule, ctx) => {
    const problem = attributeValueProblem(rule.operator, rule.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

const tagRule = z.object({ type: z.literal('tag'), id: ruleId, description, tag: z.string().min(1).max(100).meta({ description: 'Compared exactly' }), points });
const workEmailRule = z.object({ type: z.literal('work_email'), id: ruleId, description, points }).meta({ description: 'The lead uses a company (non-free-mail) address' });
const companyKnownRule = z.object({ type: z.literal('company_known'), id: ruleId, description, points }).meta({ description: "The lead's company is identified" });
const companySizeRule = z.object({ type: z.literal('company_size'), id: ruleId, description, employee_ranges: z.array(employeeRangeSchema).min(1), points });
const industryRule = z.object({
  type: z.literal('industry'),
  id: ruleId,
  description,
  industries: z.array(z.string().min(1).max(100)).min(1).max(100).meta({ description: 'Compared case-insensitively' }),
  points,
});

export const scoringRuleSchema = z.discriminatedUnion('type', [
  pageVisitRule,
  customEventRule,
  attributeRule,
  tagRule,
  workEmailRule,
  companyKnownRule,
  companySizeRule,
  industryRule,
]);
export type ScoringRule = z.infer<typeof scoringRuleSchema>;
export type BehaviourRule = Extract<ScoringRule, { type: 'page_visit' | 'custom_event' }>;
export type AttributeRule = Extract<ScoringRule, { type: 'attribute' }>;

export const scoringRulesSchema = z
  .object({
    rules: z.array(scoringRuleSchema).max(SCORING_RULES_MAX),
    decay: z.object({
      half_life_days: z.number().min(0.0001).max(365).meta({ description: 'A behaviour point is worth half after this many days (0.0001 = 8.6 s, for trying decay out)' }),
    }),
    grades: z.object({
      hot: z.number().min(0).max(100).meta({ description: 'Lowest score graded hot' }),
      warm: z.number().min(0).max(100).meta({ description: 'Lowest score graded warm; below it a lead is cold' }),
    }),
    qualifying_grade: z.enum(['hot', 'warm']).meta({ description: '`prospect.qualified` fires when a lead first reaches this grade' }),
    emit_on_every_change: z.boolean().meta({ description: '`lead.scored` on every score change; false: only when the grade changes' }),
  })
  .superRefine((config, ctx) => {
    if (config.grades.hot <= config.grades.warm) {
      ctx.addIssue({ code: 'custom', path: ['grades', 'hot'], message: `must be greater than grades.warm (${config.grades.warm})` });
    }
    const seen = new Set<string>();
    config.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id '${rule.id}'` });
      seen.add(rule.id);
    });
  })
  .meta({ description: "A workspace's lead-scoring rules, decay and grade thresholds" });
export type ScoringRules = z.infer<typeof scoringRulesSchema>;

/** What a new workspace starts with: intent pages and demo requests, plus a light firmographic fit. */
export const defaultScoringRules: ScoringRules = {
  rules: [
    { type: 'page_visit', id: 'pricing_page', description: 'Visited the pricing page', url: '/pricing*', points: 10, max_points: 30 },
    { type: 'page_visit', id: 'demo_page', description: 'Visited the demo page', url: '/demo*', points: 15, max_points: 30 },
    { type: 'page_visit', id: 'contact_page', description: 'Visited the contact page', url: '/contact*', points: 15, max_points: 30 },
    { type: 'custom_event', id: 'demo_requested', description: 'Requested a demo', name: 'demo_requested', points: 25, max_points: 25 },
    { type: 'custom_event', id: 'signup', description: 'Signed up', name: 'signup', points: 20, max_points: 20 },
    { type: 'work_email', id: 'work_email', description: 'Uses a work email', points: 15 },
    { type: 'company_known', id: 'company_known', description: 'Company identified', points: 10 },
    {
      type: 'company_size',
      id: 'company_size_51_plus',
      description: 'Company has 51+ employees',
      employee_ranges: ['51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'],
      points: 10,
    },
  ],
  decay: { half_life_days: 14 },
  grades: { hot: 70, warm: 40 },
  qualifying_grade: 'hot',
  emit_on_every_change: false,
};
