/**
 * The `data` of every outgoing event, one zod schema per event type in the catalogue.
 * Fields are snake_case like the seeds (Persequor, Salespanel, Parsley, Prospektr) so a
 * receiver moving from one of them finds familiar names. The same schemas validate what we
 * emit, document it (JSON Schema for `GET /api/v1/event-types`) and back Zapier's samples.
 *
 * Convention: a documented top-level field is always present and `null` when unknown, so
 * no-code tools see a stable shape; only enrichment blocks (person_details) have fields that
 * may be absent, because enrichment providers return partial profiles.
 */
import { z } from 'zod';
import { leadStatuses } from '../leads/lead-status';
import { utmFields } from '../visitors/utm';
import type { EventType } from './event-catalogue';

// ---- field primitives -------------------------------------------------------------------

const id = z.string().min(1);
const timestamp = z.iso.datetime({ offset: true });
const email = z.email();
/** http(s) only; localhost allowed because self-hosted dev sites send real events. */
const webUrl = z.url({ protocol: /^https?$/ });
/** Any scheme: browsers report e.g. `android-app://…` referrers. */
const referrer = z.url().nullable().meta({ description: 'Referring URL; null for direct traffic' });
/** Lower-case bare host name, so receivers can join on it. */
/** What every event's `domain` field accepts; the visitor model normalises company domains to it. */
export const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const domain = z
  .string()
  .regex(domainPattern, 'Expected a lower-case domain such as example.com')
  .meta({ description: 'Lower-case domain without scheme or path, e.g. `example.com`' });
const path = z.string().startsWith('/').meta({ description: 'URL path, starting with `/`' });
const unitInterval = z.number().min(0).max(1);

export const leadStatusSchema = z.enum(leadStatuses);
export const leadGradeSchema = z.enum(['hot', 'warm', 'cold']);
export const leadPotentialSchema = z.enum(['high', 'medium', 'low']);
export const employeeRangeSchema = z.enum(['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+']);
export type EmployeeRange = z.infer<typeof employeeRangeSchema>;

/** Standard UTM keys only; a key is absent when the URL did not carry it. */
export const utmParamsSchema = z.object(utmFields(() => z.string().optional()));

/** One attribution touch (Salespanel first/last touch, Persequor order attribution). */
export const attributionTouchSchema = z.object({
  source: z
    .string()
    .min(1)
    .meta({ description: 'utm_source if present, else the referring site, else `direct`' }),
  medium: z.string().nullable().meta({ description: 'utm_medium, or derived from the referrer (`organic`, `referral`)' }),
  campaign: z.string().nullable(),
  ...utmFields(() => z.string().nullable()),
  referrer,
  landing_page: webUrl.nullable().meta({ description: 'First page of the touching session' }),
  touched_at: timestamp.nullable().meta({ description: 'Start of the touching session' }),
});

export const segmentRefSchema = z.object({ id, name: z.string().min(1) });

/** A company as referenced from a person event; the full record comes with company.* events. */
const companyRef = z.object({
  company_id: id.nullable().meta({ description: 'Signalbox company id; null until the company is enriched' }),
  name: z.string().nullable(),
  domain,
});

// ---- leads (Persequor lead, Parsley/Prospektr scoring) -------------------------------------

const leadFields = {
  id: id.meta({ description: 'Signalbox lead id' }),
  visitor_id: id.nullable().meta({ description: 'Visitor the lead came from; null for leads created through the API without a tracked visit' }),
  full_name: z.string().nullable(),
  email: email.nullable().meta({ description: 'Null for phone-only leads' }),
  phone: z.string().nullable().meta({ description: 'As entered; not normalised' }),
  lead_source: z.string().nullable().meta({ description: 'Channel the lead came from, e.g. `meta`, `google`, `calendly`, `api`' }),
  utm_source: z.string().nullable(),
  utm_medium: z.string().nullable(),
  utm_campaign: z.string().nullable(),
  status: leadStatusSchema,
  value: z.number().nonnegative().nullable().meta({ description: 'Expected deal value in major currency units' }),
  created_at: timestamp,
};

export const leadCreatedPayloadSchema = z.object(leadFields);

/** Fields a lead.updated `changes` entry may name: every lead field except ids and created_at. */
const changeableLeadField = z.enum(['visitor_id', 'full_name', 'email', 'phone', 'lead_source', 'utm_source', 'utm_medium', 'utm_campaign', 'status', 'value']);
const changedValue = z.union([z.string(), z.number(), z.null()]);

export const leadUpdatedPayloadSchema = z.object({
  ...leadFields,
  updated_at: timestamp,
  changes: z
    .partialRecord(changeableLeadField, z.object({ from: changedValue, to: changedValue }))
    .refine((c) => Object.keys(c).length > 0, 'At least one field must have changed')
    .meta({ description: 'Changed fields with their previous (`from`) and new (`to`) values; the rest of the payload is the new state' }),
});

/** One scoring rule's share of a lead score, in points and in words. */
export const scoreContribution = z.object({
  rule_id: z.string().min(1),
  points: z.number(),
  reason: z.string().meta({ description: 'The contribution in words, e.g. `Visited /pricing 3 times`' }),
});

export const leadScoredPayloadSchema = z.object({
  lead_id: id,
  visitor_id: id.nullable(),
  email: email.nullable().meta({ description: 'Null when the lead has no email yet; filter on it if you only want enrichable leads' }),
  score: z.number().meta({ description: 'Points from the workspace scoring rules; rules may subtract' }),
  grade: leadGradeSchema.meta({ description: 'Score bucket from the workspace thresholds' }),
  lead_potential: leadPotentialSchema.meta({ description: 'Fit of the lead as judged by the classifier' }),
  lead_reasoning: z.string().meta({ description: 'Why the classifier chose lead_potential' }),
  classification_confidence: unitInterval.meta({ description: 'Classifier confidence, 0..1' }),
  previous_grade: leadGradeSchema.nullable().meta({ description: 'Grade before this scoring; null the first time the lead is scored' }),
  reasoning: z.array(scoreContribution).meta({ description: "Each scoring rule's contribution, biggest first" }),
  scored_at: timestamp,
});

// ---- people (Salespanel person events) -----------------------------------------------------

const contactId = id.meta({ description: 'Person id; every visitor (device) merged into the same person by identify shares it' });

const personDetails = z
  .object({
    name: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    phone: z.string().nullish(),
    job_title: z.string().nullish(),
    organization: z.string().nullish().meta({ description: 'Current employer as stated by the person or enrichment' }),
    location: z.string().nullish(),
    bio: z.string().nullish(),
    website: webUrl.nullish(),
    linkedin: webUrl.nullish(),
    twitter: webUrl.nullish(),
  })
  .meta({ description: 'What is known about the person; any field may be missing' });

export const personIdentifiedPayloadSchema = z.object({
  visitor_id: id.meta({ description: 'The visitor that was identified' }),
  contact_id: contactId,
  email,
  customer_id: z.string().min(1).nullable().meta({ description: 'Your own user id, when sent with identify' }),
  person_details: personDetails,
  company_details: companyRef.nullable(),
  identified_at: timestamp,
});

export const personPageVisitPayloadSchema = z.object({
  visitor_id: id,
  contact_id: contactId,
  email,
  url: webUrl,
  path,
  title: z.string().nullable(),
  referrer,
  utm_params: utmParamsSchema,
  visited_at: timestamp,
  company: companyRef.nullable(),
});

export const personSegmentQualifiedPayloadSchema = z.object({
  visitor_id: id,
  contact_id: contactId.nullable().meta({ description: 'Null for an anonymous visitor; segments can match behaviour alone' }),
  email: email.nullable(),
  segment: segmentRefSchema,
  qualified_at: timestamp,
});

export const personSegmentDisqualifiedPayloadSchema = z.object({
  visitor_id: id,
  contact_id: contactId.nullable().meta({ description: 'Null for an anonymous visitor' }),
  email: email.nullable(),
  segment: segmentRefSchema,
  disqualified_at: timestamp.meta({ description: "When the segment's rules stopped holding: new facts, or a time window passing with no new activity" }),
});

// ---- companies (Salespanel visiting companies) ---------------------------------------------

const companyFields = {
  company_id: id,
  name: z.string().nullable(),
  domain,
  website: webUrl.nullable(),
  industry: z.string().nullable(),
  employee_range: employeeRangeSchema.nullable().meta({ description: 'Head-count bucket' }),
  location: z.string().nullable().meta({ description: 'Headquarters, free text, e.g. `Berlin, Germany`' }),
  country_code: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable()
    .meta({ description: 'ISO 3166-1 alpha-2 country of the headquarters' }),
  linkedin: webUrl.nullable(),
};

export const companyIdentifiedPayloadSchema = z.object({ ...companyFields, identified_at: timestamp });

export const companyPageVisitPayloadSchema = z.object({
  ...companyFields,
  visitor_id: id.meta({ description: 'The visitor from this company who viewed the page' }),
  url: webUrl,
  path,
  title: z.string().nullable(),
  visited_at: timestamp,
});

export const companySegmentQualifiedPayloadSchema = z.object({
  company_id: id,
  name: z.string().nullable(),
  domain,
  segment: segmentRefSchema,
  qualified_at: timestamp,
});

export const companySegmentDisqualifiedPayloadSchema = z.object({
  company_id: id,
  name: z.string().nullable(),
  domain,
  segment: segmentRefSchema,
  disqualified_at: timestamp.meta({ description: "When the segment's rules stopped holding for the company's people: new facts, or a time window passing" }),
});

// ---- prospects (Prospektr) -----------------------------------------------------------------

export const prospectQualifiedPayloadSchema = z.object({
  id,
  name: z.string().min(1),
  website: webUrl.nullable(),
  email: email.nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  segment: z.string().nullable().meta({ description: 'Category the classifier put the prospect in, e.g. `promo`' }),
  lead_potential: leadPotentialSchema,
  lead_reasoning: z.string().meta({ description: 'Why the classifier chose lead_potential' }),
  // Prospektr sends this as a string ("0.85"); a number is what receivers can compare.
  classification_confidence: unitInterval.meta({ description: 'Classifier confidence, 0..1' }),
  notable_clients: z.array(z.string()).meta({ description: 'Known clients named on the prospect’s site' }),
  large_run_indicators: z.array(z.string()).meta({ description: 'Evidence the prospect orders large volumes' }),
  status: z.literal('qualified'),
  lead_id: id.nullable().meta({ description: 'The Signalbox lead that qualified; null for prospects found outside the visitor pipeline' }),
  visitor_id: id.nullable(),
  score: z.number().nullable(),
  grade: leadGradeSchema.nullable(),
  contact: z
    .object({ full_name: z.string().nullable(), email: email.nullable(), phone: z.string().nullable(), job_title: z.string().nullable() })
    .nullable()
    .meta({ description: 'The person behind the lead' }),
  company: z
    .object({ company_id: id.nullable(), name: z.string().nullable(), domain: domain.nullable(), industry: z.string().nullable(), employee_range: employeeRangeSchema.nullable() })
    .nullable()
    .meta({ description: 'Their company, when known' }),
  created_at: timestamp,
});

// ---- orders (Persequor order attribution) --------------------------------------------------

export const orderAttributedPayloadSchema = z.object({
  id: id.meta({ description: 'Signalbox order id' }),
  order_id: z.string().min(1).meta({ description: 'The order id in your shop or billing system' }),
  visitor_id: id,
  lead_id: id.nullable(),
  amount: z.number().nonnegative().meta({ description: 'Order total in major units, e.g. 129.99' }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 code such as USD')
    .meta({ description: 'ISO 4217 currency code' }),
  first_touch: attributionTouchSchema,
  last_touch: attributionTouchSchema,
  created_at: timestamp,
});

// ---- webhooks -------------------------------------------------------------------------------

export const webhookDisabledPayloadSchema = z.object({
  subscription_id: id,
  url: webUrl.meta({ description: 'Endpoint of the disabled subscription' }),
  reason: z.string().min(1).meta({ description: 'Human-readable cause, e.g. the last failure' }),
  failing_since: timestamp.nullable().meta({ description: 'First failed delivery of the current failure streak' }),
  disabled_at: timestamp,
});

// ---- catalogue --------------------------------------------------------------------------------

export const eventPayloadSchemas = {
  'lead.created': leadCreatedPayloadSchema,
  'lead.updated': leadUpdatedPayloadSchema,
  'lead.scored': leadScoredPayloadSchema,
  'person.identified': personIdentifiedPayloadSchema,
  'person.page_visit': personPageVisitPayloadSchema,
  'person.segment_qualified': personSegmentQualifiedPayloadSchema,
  'person.segment_disqualified': personSegmentDisqualifiedPayloadSchema,
  'company.identified': companyIdentifiedPayloadSchema,
  'company.page_visit': companyPageVisitPayloadSchema,
  'company.segment_qualified': companySegmentQualifiedPayloadSchema,
  'company.segment_disqualified': companySegmentDisqualifiedPayloadSchema,
  'prospect.qualified': prospectQualifiedPayloadSchema,
  'order.attributed': orderAttributedPayloadSchema,
  'webhook.disabled': webhookDisabledPayloadSchema,
} as const satisfies { [T in EventType]: z.ZodType };

export type EventPayload<T extends EventType> = z.output<(typeof eventPayloadSchemas)[T]>;

export const eventDescriptions: Record<EventType, string> = {
  'lead.created': 'Fires when a new lead is created: a form captured by the tracking script, an identify with contact details, or a lead created through the API.',
  'lead.updated': "Fires when a lead's fields or status change; `changes` lists each changed field with its old and new value.",
  'lead.scored': 'Fires when a lead is scored: its points, Hot/Warm/Cold grade and lead potential with the reasoning behind it.',
  'person.identified': 'Fires when an anonymous visitor is first tied to a person by email (identify call or form capture).',
  'person.page_visit': 'Fires when an identified person views a page on a tracked site; narrow it with the subscription URL filters.',
  'person.segment_qualified': "Fires when a visitor starts matching a segment's rules.",
  'person.segment_disqualified': "Fires when a visitor stops matching a segment's rules, also when a time window passes with no new activity (Salespanel does not tell you this).",
  'company.identified': 'Fires when a visiting company is first recognised and enriched.',
  'company.page_visit': 'Fires when a visitor from an identified company views a page on a tracked site; narrow it with the subscription URL filters.',
  'company.segment_qualified': "Fires when a company starts matching a company segment's rules, from the combined behaviour of its people.",
  'company.segment_disqualified': "Fires when a company stops matching a company segment's rules, also when a time window passes with no new activity.",
  'prospect.qualified': 'Fires when a newly found prospect is classified as qualified, with its lead potential, reasoning and confidence.',
  'order.attributed': 'Fires the first time an order is attributed to a visitor, with first- and last-touch attribution.',
  'webhook.disabled': 'Fires when a webhook subscription is disabled, e.g. because its endpoint kept failing, so another endpoint can alert you.',
};

// ---- parsing ------------------------------------------------------------------------------------

export class InvalidEventPayloadError extends Error {
  constructor(
    readonly eventType: EventType,
    readonly issues: z.core.$ZodIssue[],
  ) {
    // zod messages never echo input values, so this message is safe to log (payloads carry PII).
    super(`Invalid ${eventType} payload: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventPayloadError';
  }
}

/** Validates an outgoing payload; unknown keys are stripped so internal fields never leak to receivers. */
export function parseEventPayload<T extends EventType>(type: T, data: unknown): EventPayload<T> {
  const schema: z.ZodType | undefined = eventPayloadSchemas[type];
  if (!schema) throw new TypeError(`Unknown event type: ${String(type)}`);
  const result = schema.safeParse(data);
  if (!result.success) throw new InvalidEventPayloadError(type, result.error.issues);
  return result.data as EventPayload<T>;
}
