/**
 * The Signalbox server SDK: ingest, identify and revenue with a secret key, the read API, identity
 * hashes for browser `identify`, and webhook verification. Every route and body type comes from
 * `./schema` (generated from the API's OpenAPI document by `npm run generate:sdk`), so a change to
 * the API that breaks a caller fails to compile instead of failing at run time.
 */
import { createHmac, randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type PageviewData = Schemas['PageviewData'];
export type EventData = Schemas['EventData'];
export type IdentifyData = Schemas['IdentifyData'];
export type RevenueData = Schemas['RevenueData'];
export type Visitor = Schemas['Visitor'];
export type Lead = Schemas['Lead'];
export type Order = Schemas['Order'];
export type Company = Schemas['Company'];
export type WebhookEvent = Schemas['Event'];
export type { components, paths };

type Envelope = { messageId?: string; sentAt?: number };
export type IngestEvent =
  | ({ type: 'pageview'; data: PageviewData } & Envelope)
  | ({ type: 'event'; data: EventData } & Envelope)
  | ({ type: 'identify'; data: IdentifyData } & Envelope)
  | ({ type: 'revenue'; data: RevenueData } & Envelope);

type Query<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;

export interface SignalboxOptions {
  /** e.g. https://signalbox.example.com */
  baseUrl: string;
  /** A secret key (`sk_…`): ingest (revenue included) and the read API. */
  apiKey: string;
  /** Attempts after the first for ingest on 429 (after Retry-After), 5xx and network errors; default 2. */
  retries?: number;
  /** Longest wait between attempts, ms (default 30 000). */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
}

/** A non-2xx answer: `{error, code, details}` from the API, with the status and Retry-After (s). */
export class SignalboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly details?: Record<string, string[]>,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'SignalboxError';
  }
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>(r: Result<T>): T {
  if (r.response.ok) return r.data as T;
  const body = (r.error ?? {}) as { error?: string; code?: string; details?: Record<string, string[]> };
  const retryAfter = Number(r.response.headers.get('retry-after')) || undefined;
  throw new SignalboxError(r.response.status, body.code, body.error ?? `HTTP ${r.response.status}`, body.details, retryAfter);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSignalbox(options: SignalboxOptions) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}`, 'user-agent': 'signalbox-sdk-node' },
    fetch: options.fetch,
  });
  const retries = options.retries ?? 2;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;

  /** Sends again with the same messageIds, so an attempt whose answer was lost is applied once. */
  async function withRetries<T>(send: () => Promise<Result<T>>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let waitMs: number;
      try {
        const r = await send();
        const status = r.response.status;
        if ((status !== 429 && status < 500) || attempt >= retries) return unwrap(r);
        const retryAfter = Number(r.response.headers.get('retry-after'));
        waitMs = status === 429 && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** attempt;
      } catch (err) {
        if (err instanceof SignalboxError || attempt >= retries) throw err;
        waitMs = 500 * 2 ** attempt;
      }
      await sleep(Math.min(waitMs, maxDelay));
    }
  }

  const withId = <E extends IngestEvent>(event: E): E => ({ ...event, messageId: event.messageId ?? randomUUID() });

  const client = {
    /** The typed openapi-fetch client for every route (`client.api.GET('/api/v1/events', …)`). */
    api,
    /** One event; a `messageId` is added when missing and kept across retries. */
    ingest: (event: IngestEvent) => {
      const body = withId(event);
      return withRetries(() => api.POST('/api/v1/ingest', { body }));
    },
    /** Up to 500 events in one request; per-event results. */
    ingestBatch: (events: IngestEvent[]) => {
      const body = { events: events.map(withId) };
      return withRetries(() => api.POST('/api/v1/ingest/batch', { body }));
    },
    pageview: (data: PageviewData, envelope: Envelope = {}) => client.ingest({ type: 'pageview', data, ...envelope }),
    track: (data: EventData, envelope: Envelope = {}) => client.ingest({ type: 'event', data, ...envelope }),
    identify: (data: IdentifyData, envelope: Envelope = {}) => client.ingest({ type: 'identify', data, ...envelope }),
    revenue: (data: RevenueData, envelope: Envelope = {}) => client.ingest({ type: 'revenue', data, ...envelope }),

    visitors: {
      list: async (query: Query<'/api/v1/visitors'> = {}) => unwrap(await api.GET('/api/v1/visitors', { params: { query } })),
      /** By visitor id or email. */
      get: async (visitor: string) => unwrap(await api.GET('/api/v1/visitors/{visitor}', { params: { path: { visitor } } })),
      activities: async (visitor: string, query: Query<'/api/v1/visitors/{visitor}/activities'> = {}) =>
        unwrap(await api.GET('/api/v1/visitors/{visitor}/activities', { params: { path: { visitor }, query } })),
      attribution: async (visitor: string) => unwrap(await api.GET('/api/v1/visitors/{visitor}/attribution', { params: { path: { visitor } } })),
    },
    leads: {
      list: async (query: Query<'/api/v1/leads'> = {}) => unwrap(await api.GET('/api/v1/leads', { params: { query } })),
    },
    orders: {
      list: async (query: Query<'/api/v1/orders'> = {}) => unwrap(await api.GET('/api/v1/orders', { params: { query } })),
    },
    companies: {
      list: async (query: Query<'/api/v1/companies'> = {}) => unwrap(await api.GET('/api/v1/companies', { params: { query } })),
    },
    events: {
      list: async (query: Query<'/api/v1/events'> = {}) => unwrap(await api.GET('/api/v1/events', { params: { query } })),
    },
  };
  return client;
}

export type SignalboxClient = ReturnType<typeof createSignalbox>;

/**
 * The `user_hash` a browser `identify` needs to claim a known person: hex HMAC-SHA256 of the email
 * (lower-cased, as the API stores it), else of the customer id, with the workspace's identity secret
 * (`GET /api/v1/identity-verification`). Compute it on your server; never ship the secret.
 */
export function identityHash(identitySecret: string, claim: { email?: string; customer_id?: string }): string {
  const value = claim.email !== undefined ? claim.email.toLowerCase() : claim.customer_id;
  if (!value) throw new TypeError('identityHash needs an email or a customer_id');
  return createHmac('sha256', identitySecret).update(value, 'utf8').digest('hex');
}

/**
 * Verifies a webhook (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`) on
 * the raw body and returns the event; throws when the signature or timestamp is wrong.
 */
export function verifyWebhook(secret: string, rawBody: string | Buffer, headers: Record<string, string | string[] | undefined>): WebhookEvent {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return new Webhook(secret).verify(rawBody, flat) as WebhookEvent;
}
