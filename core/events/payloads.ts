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
import { eventTypes, paidEventTypes, type EventType, type Plan } from './event-catalogue';

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

export const leadScoredPayloadSchema = z.object({
  lead_id: id,
  visitor_id: id.nullable(),
  email: email.nullable().meta({ description: 'Null when the lead has no email yet; filter on it if you only want enrichable leads' }),
  score: z.number().meta({ description: 'Points from the workspace scoring rules; rules may subtract' }),
  grade: leadGradeSchema.meta({ description: 'Score bucket from the workspace thresholds' }),
  lead_potential: leadPotentialSchema.meta({ description: 'Fit of the lead as judged by the classifier' }),
  lead_reasoning: z.string().meta({ description: 'Why the classifier chose lead_potential' }),
  classification_confidence: unitInterval.meta({ description: 'Classifier confidence, 0..1' }),
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
  'company.identified': companyIdentifiedPayloadSchema,
  'company.page_visit': companyPageVisitPayloadSchema,
  'company.segment_qualified': companySegmentQualifiedPayloadSchema,
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
  'company.identified': 'Fires when a visiting company is first recognised and enriched.',
  'company.page_visit': 'Fires when a visitor from an identified company views a page on a tracked site; narrow it with the subscription URL filters.',
  'company.segment_qualified': "Fires when a company starts matching a segment's rules.",
  'prospect.qualified': 'Fires when a newly found prospect is classified as qualified, with its lead potential, reasoning and confidence.',
  'order.attributed': 'Fires the first time an order is attributed to a visitor, with first- and last-touch attribution.',
  'webhook.disabled': 'Fires when a webhook subscription is disabled, e.g. because its endpoint kept failing, so another endpoint can alert you.',
};

// ---- samples (what Zapier's performList and the docs show) ---------------------------------------

const sampleTouch = {
  source: 'google',
  medium: 'cpc',
  campaign: 'spring_launch',
  utm_source: 'google',
  utm_medium: 'cpc',
  utm_campaign: 'spring_launch',
  utm_term: 'b2b analytics',
  utm_content: 'pricing_ad',
  referrer: 'https://www.google.com/',
  landing_page: 'https://www.example.com/pricing?utm_source=google&utm_medium=cpc&utm_campaign=spring_launch',
  touched_at: '2026-04-12T09:14:03.000Z',
} satisfies z.output<typeof attributionTouchSchema>;

const sampleLead = {
  id: 'lead_7Kq2mV9xTb4RzL1c',
  visitor_id: 'vis_3Hn8PwQ5yK2dF7sA',
  full_name: 'Maya Patel',
  email: 'maya.patel@example.com',
  phone: '+1 415-555-0132',
  lead_source: 'google',
  utm_source: 'google',
  utm_medium: 'cpc',
  utm_campaign: 'spring_launch',
  status: 'new',
  value: 2400,
  created_at: '2026-04-26T18:30:15.000Z',
} satisfies EventPayload<'lead.created'>;

const sampleCompany = {
  company_id: 'cmp_9Rt4Xe2LqW8nB5vJ',
  name: 'Northwind Analytics',
  domain: 'northwind.example.com',
  website: 'https://northwind.example.com',
  industry: 'Software Development',
  employee_range: '51-200',
  location: 'Austin, TX, USA',
  country_code: 'US',
  linkedin: 'https://www.linkedin.com/company/northwind-analytics',
} satisfies z.output<z.ZodObject<typeof companyFields>>;

export const eventSamples: { [T in EventType]: EventPayload<T> } = {
  'lead.created': sampleLead,
  'lead.updated': {
    ...sampleLead,
    status: 'qualified',
    value: 4800,
    updated_at: '2026-04-28T10:02:41.000Z',
    changes: { status: { from: 'new', to: 'qualified' }, value: { from: 2400, to: 4800 } },
  },
  'lead.scored': {
    lead_id: sampleLead.id,
    visitor_id: sampleLead.visitor_id,
    email: sampleLead.email,
    score: 85,
    grade: 'hot',
    lead_potential: 'high',
    lead_reasoning: 'Viewed pricing three times this week, requested a demo and works at a 51-200 person software company.',
    classification_confidence: 0.87,
    scored_at: '2026-04-26T18:31:02.000Z',
  },
  'person.identified': {
    visitor_id: sampleLead.visitor_id,
    contact_id: 'per_5Zc1Nh7Tg3Ym9Qw2',
    email: 'maya.patel@example.com',
    customer_id: 'cus_10482',
    person_details: {
      name: 'Maya Patel',
      first_name: 'Maya',
      last_name: 'Patel',
      phone: '+1 415-555-0132',
      job_title: 'Head of Growth',
      organization: 'Northwind Analytics',
      location: 'Austin, TX, USA',
      linkedin: 'https://www.linkedin.com/in/maya-patel-example',
    },
    company_details: { company_id: sampleCompany.company_id, name: sampleCompany.name, domain: sampleCompany.domain },
    identified_at: '2026-04-26T18:30:14.000Z',
  },
  'person.page_visit': {
    visitor_id: sampleLead.visitor_id,
    contact_id: 'per_5Zc1Nh7Tg3Ym9Qw2',
    email: 'maya.patel@example.com',
    url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=april_digest',
    path: '/pricing',
    title: 'Pricing – Example',
    referrer: 'https://mail.example.com/',
    utm_params: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'april_digest' },
    visited_at: '2026-04-27T08:45:10.000Z',
    company: { company_id: sampleCompany.company_id, name: sampleCompany.name, domain: sampleCompany.domain },
  },
  'person.segment_qualified': {
    visitor_id: sampleLead.visitor_id,
    contact_id: 'per_5Zc1Nh7Tg3Ym9Qw2',
    email: 'maya.patel@example.com',
    segment: { id: 'seg_2Lp6Vd8Kx4Hs1Rq9', name: 'Pricing page regulars' },
    qualified_at: '2026-04-27T08:45:11.000Z',
  },
  'company.identified': { ...sampleCompany, identified_at: '2026-04-25T16:20:33.000Z' },
  'company.page_visit': {
    ...sampleCompany,
    visitor_id: 'vis_8Wm2Jr6Cu1Ez4Tn5',
    url: 'https://www.example.com/customers/enterprise',
    path: '/customers/enterprise',
    title: 'Enterprise customers – Example',
    visited_at: '2026-04-27T14:05:52.000Z',
  },
  'company.segment_qualified': {
    company_id: sampleCompany.company_id,
    name: sampleCompany.name,
    domain: sampleCompany.domain,
    segment: { id: 'seg_6Tb3Qn9Fh5Wc2Xk7', name: 'Mid-market software accounts' },
    qualified_at: '2026-04-27T14:05:53.000Z',
  },
  'prospect.qualified': {
    id: 'pro_4Gd7Ks1Vb9Mz3Pe6',
    name: 'Sunshine Promo Co.',
    website: 'https://sunshinepromo.example.com',
    email: 'sales@example.com',
    phone: '+1 407-555-0101',
    address: '120 N Orange Ave',
    city: 'Orlando',
    state: 'FL',
    postal_code: '32801',
    segment: 'promo',
    lead_potential: 'high',
    lead_reasoning: 'Lists Disney and Universal as clients and advertises minimum runs of 5,000 units.',
    classification_confidence: 0.85,
    notable_clients: ['Disney', 'Universal'],
    large_run_indicators: ['Minimum order of 5,000 units', 'Offers event merchandise at scale'],
    status: 'qualified',
    created_at: '2026-04-26T12:34:56.000Z',
  },
  'order.attributed': {
    id: 'ord_1Yx5Ce8Nw3Dk7Bh4',
    order_id: '#10482',
    visitor_id: sampleLead.visitor_id,
    lead_id: sampleLead.id,
    amount: 129.99,
    currency: 'USD',
    first_touch: sampleTouch,
    last_touch: {
      ...sampleTouch,
      source: 'newsletter',
      medium: 'email',
      campaign: 'april_digest',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'april_digest',
      utm_term: null,
      utm_content: null,
      referrer: 'https://mail.example.com/',
      landing_page: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=april_digest',
      touched_at: '2026-04-27T08:45:10.000Z',
    },
    created_at: '2026-04-27T09:02:18.000Z',
  },
  'webhook.disabled': {
    subscription_id: 'wh_8Nc4Rf2Ht6Jv1Lm3Qp5s',
    url: 'https://hooks.example.com/signalbox',
    reason: 'Disabled after 3 days of failed deliveries; last response was HTTP 503.',
    failing_since: '2026-04-24T06:12:00.000Z',
    disabled_at: '2026-04-27T06:12:00.000Z',
  },
};

// ---- parsing and description --------------------------------------------------------------------

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

export interface EventTypeDescription {
  type: EventType;
  description: string;
  plan: Plan;
  schema: z.core.JSONSchema.BaseSchema;
  sample: EventPayload<EventType>;
}

/** The catalogue as served by `GET /api/v1/event-types`. */
export function describeEventTypes(): EventTypeDescription[] {
  return eventTypes.map((type) => ({
    type,
    description: eventDescriptions[type],
    plan: paidEventTypes.has(type) ? 'pro' : 'free',
    // io 'input' leaves out `additionalProperties: false`: receivers must tolerate fields we add later.
    schema: z.toJSONSchema(eventPayloadSchemas[type], { target: 'draft-2020-12', io: 'input' }),
    sample: eventSamples[type],
  }));
}
