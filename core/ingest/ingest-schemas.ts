/**
 * The ingest contract (Pulsora's single endpoint): `{ type, data, token?, messageId?, sentAt? }`,
 * one zod schema per type. Field names follow the Pulsora SDKs so their payloads work unchanged.
 */
import { z } from 'zod';
import { MAX_JSON_DEPTH } from '../platform/json-shape';
import { utmFields } from '../visitors/utm';

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_USER_AGENT_LENGTH = 1024;
export const MAX_BATCH_EVENTS = 500;
export const MAX_BATCH_BYTES = 500 * 1024;

/** Field names every Mongo-wire database stores: no `.` anywhere and no leading `$`. */
const storableKey = /^(?!\$)[^.]*$/;
const storableKeyMessage = "must not contain '.' or start with '$'";

/**
 * Every supported database stores it: field names without '.' or a leading '$', and no array
 * directly inside an array (FerretDB refuses those; wrapping the inner array in an object works
 * everywhere). Bodies are at most MAX_JSON_DEPTH deep (checked before any schema), so this walk
 * sees every level.
 */
function checkKeys(value: unknown, path: PropertyKey[], ctx: z.RefinementCtx, depth = 0): void {
  if (depth > MAX_JSON_DEPTH || value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (!Array.isArray(value) && !storableKey.test(key)) ctx.addIssue({ code: 'custom', path: [...path, key], message: `Field name ${storableKeyMessage}` });
    if (Array.isArray(value) && Array.isArray(child)) ctx.addIssue({ code: 'custom', path: [...path, key], message: nestedArrayMessage });
    checkKeys(child, [...path, key], ctx, depth + 1);
  }
}

const nestedArrayMessage = 'Arrays directly inside arrays are not supported: wrap the inner array in an object (e.g. [{"values": […]}])';

/** A free-form JSON object (event_data, metadata) whose keys and shape, at any depth, can be stored. */
export const freeFormObject = () => z.record(z.string(), z.unknown()).superRefine((obj, ctx) => checkKeys(obj, [], ctx));

/** A label used as a field name (custom attributes). */
export const storableLabel = z.string().trim().min(1).max(100).regex(storableKey, storableKeyMessage);

const shortText = (max = 200) => z.string().trim().min(1).max(max);
const fingerprint = shortText().meta({ description: 'Stable anonymous id of the browser/device, set by the SDK' });
const timestampMs = z
  .number()
  .int()
  .min(946_684_800_000, 'must be milliseconds since the epoch (after 2000-01-01)')
  .max(4_102_444_800_000, 'must be milliseconds since the epoch (before 2100-01-01)')
  .meta({ description: 'When it happened, in milliseconds since the epoch; defaults to the time received' });
const webUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(4096);
/** Browsers send '' for direct traffic; treat it as no referrer. */
const referrer = z
  .union([z.literal(''), z.string().max(4096)])
  .nullish()
  .transform((r) => (r ? r : null));
const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const utm = utmFields(() => shortText().optional());
/** Server-side senders may pass the browser's IP and user agent; ignored for publishable keys. */
const serverContext = {
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: z.string().max(MAX_USER_AGENT_LENGTH).optional(),
};

export const pageviewDataSchema = z.strictObject({
  visitor_fingerprint: fingerprint,
  session_id: shortText().optional(),
  url: webUrl,
  path: z.string().startsWith('/').max(2048).optional(),
  referrer,
  referrer_source: shortText().optional(),
  title: z.string().max(1024).optional(),
  locale: shortText(35).optional(),
  form: z.boolean().optional().meta({ description: 'A form was submitted on this page' }),
  ...utm,
  ...serverContext,
  timestamp: timestampMs.optional(),
});

export const eventDataSchema = z.strictObject({
  visitor_fingerprint: fingerprint,
  session_id: shortText().optional(),
  event_name: shortText(),
  event_data: freeFormObject().optional(),
  url: webUrl.optional(),
  path: z.string().startsWith('/').max(2048).optional(),
  ...serverContext,
  timestamp: timestampMs.optional(),
});

const personFields = {
  name: shortText().optional(),
  first_name: shortText().optional(),
  last_name: shortText().optional(),
  phone: shortText(50).optional(),
  title: shortText().optional(),
  company_name: shortText().optional(),
  company_domain: shortText(253).optional(),
};

const needsIdentity = { message: 'identify needs customer_id or email', path: ['customer_id'] };
const hasIdentity = (d: { customer_id?: string; email?: string }) => d.customer_id !== undefined || d.email !== undefined;

/** Identify through the API (POST /visitors/:visitor/identify): the visitor is in the path. */
export const identifyBodySchema = z.strictObject({ customer_id: shortText().optional(), email: email.optional(), ...personFields }).refine(hasIdentity, needsIdentity);

export const identifyDataSchema = z
  .strictObject({
    visitor_fingerprint: fingerprint.optional(),
    session_id: shortText().optional(),
    customer_id: shortText().optional(),
    email: email.optional(),
    ...personFields,
    user_hash: z.string().trim().min(1).max(128).optional().meta({ description: 'Identity verification: hex HMAC-SHA256 of the email (else the customer id) with the workspace identity secret, computed by your server' }),
    ...serverContext,
    timestamp: timestampMs.optional(),
  })
  .refine(hasIdentity, needsIdentity);

export const revenueDataSchema = z
  .strictObject({
    visitor_fingerprint: fingerprint.optional(),
    session_id: shortText().optional(),
    customer_id: shortText().optional(),
    email: email.optional(),
    order_id: shortText(),
    amount: z.number().nonnegative().max(1e12),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as USD')
      .transform((c) => c.toUpperCase()),
    event_type: shortText(50).optional().meta({ description: 'e.g. purchase, subscription, renewal' }),
    metadata: freeFormObject().optional(),
    timestamp: timestampMs.optional(),
  })
  .refine((d) => d.visitor_fingerprint !== undefined || d.customer_id !== undefined || d.email !== undefined, {
    message: 'revenue needs visitor_fingerprint, customer_id or email to find the buyer',
    path: ['visitor_fingerprint'],
  });

export const ingestTypes = ['pageview', 'event', 'identify', 'revenue'] as const;
export type IngestType = (typeof ingestTypes)[number];

export const ingestDataSchemas = {
  pageview: pageviewDataSchema,
  event: eventDataSchema,
  identify: identifyDataSchema,
  revenue: revenueDataSchema,
} as const;


/** Envelope fields around `data`; `data` is validated by its type's schema afterwards. */
export const ingestEnvelopeSchema = z.strictObject({
  type: z.enum(ingestTypes),
  data: z.record(z.string(), z.unknown()),
  token: z.string().optional().meta({ description: 'API key, when no header can be set (e.g. navigator.sendBeacon)' }),
  messageId: shortText().optional().meta({ description: 'Idempotency key: a repeated messageId within the workspace is accepted once' }),
  sentAt: z
    .union([timestampMs, z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))])
    .optional()
    .meta({ description: 'Client clock when sent (ms or ISO 8601); corrects `timestamp` for clock skew' }),
});

export const batchEnvelopeSchema = z.strictObject({
  token: z.string().optional(),
  sentAt: ingestEnvelopeSchema.shape.sentAt,
  events: z.array(z.unknown()).min(1, 'must contain at least one event').max(MAX_BATCH_EVENTS, `at most ${MAX_BATCH_EVENTS} events per batch`),
});

/** Client timestamps are shifted by the client's clock error: receivedAt − (sentAt − timestamp). */
export function correctedTimestamp(timestamp: number | undefined, sentAt: number | undefined, receivedAt: number): number {
  if (timestamp === undefined) return receivedAt;
  if (sentAt === undefined) return timestamp;
  return receivedAt - (sentAt - timestamp);
}

/** Which visitor an event belongs to: the device when known, else the identity it names. */
export function visitorKeyOf(data: { visitor_fingerprint?: string; customer_id?: string; email?: string }): string {
  if (data.visitor_fingerprint) return `fp:${data.visitor_fingerprint}`;
  if (data.customer_id) return `customer:${data.customer_id}`;
  return `email:${data.email}`;
}
