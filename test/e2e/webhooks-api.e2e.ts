import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookSubscriptionModel } from '../../core/webhooks/webhook-subscription.model';
import { endpointStateRepository } from '../../core/webhooks/endpoint-state.repository';
import { initialHealth, recordOutcome } from '../../core/webhooks/endpoint-health';
import { healthPolicy } from '../../core/webhooks/endpoint-health-policy';
import { webhookSubscriptionRepository } from '../../core/webhooks/webhook-subscription.repository';
import { ReceiverPool, type ReceivedRequest } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/** The catalogue as the product documents it (core/events/event-catalogue.ts). */
const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.scored',
  'person.identified',
  'person.page_visit',
  'person.segment_qualified',
  'person.segment_disqualified',
  'company.identified',
  'company.page_visit',
  'company.segment_qualified',
  'company.segment_disqualified',
  'prospect.qualified',
  'order.attributed',
  'webhook.disabled',
];
const PAID_EVENT_TYPES = ['lead.scored', 'prospect.qualified', 'order.attributed'];

interface Subscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  filters: { urlPatterns?: string[] } | null;
  active: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  secretPrefix: string;
  source: 'api' | 'zapier';
  health: { failingSince: string | null; consecutiveFailures: number; lastSuccessAt: string | null; circuit: 'closed' | 'open'; lastError: unknown; recent: { succeeded: number; failed: number; successRate: number | null } };
  createdAt: string;
  updatedAt: string;
}
type CreatedSubscription = Subscription & { secret: string };
interface EventView {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}
interface Page<T> {
  data: T[];
  nextBefore: string | null;
}

describe('webhook subscriptions API, event catalogue and tenant isolation (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  /** `sample` of every event type, as served by GET /api/v1/event-types. */
  let samples: Record<string, Record<string, unknown>>;
  const receivers = new ReceiverPool();
  const receiver = () => receivers.start();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
    const reader = await workspace('Catalogue reader');
    const catalogue = await call(reader, 'GET', '/event-types');
    expect(catalogue.status).toBe(200);
    samples = Object.fromEntries(catalogue.body.data.map((d: { type: string; sample: Record<string, unknown> }) => [d.type, d.sample]));
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  // ---- helpers -----------------------------------------------------------------------------

  /** Every test uses workspaces of its own; a roomy rate limit keeps the 60/min default out of the way. */
  function workspace(name: string, extra: Record<string, unknown> = {}): Promise<TestWorkspace> {
    return stack.createWorkspace(name, { rateLimits: { perMinute: 10_000 }, ...extra });
  }
  function call<T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    return stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  }
  async function subscribe(ws: TestWorkspace, url: string, events: string[], extra: Record<string, unknown> = {}): Promise<CreatedSubscription> {
    const res = await call<CreatedSubscription>(ws, 'POST', '/webhooks', { url, events, ...extra });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function emit(ws: TestWorkspace, type: string, data: unknown = samples[type], id?: string) {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type, data, ...(id ? { id } : {}) });
    expect(res.status).toBe(202);
    return res.body as { event: EventView; deliveryIds: string[] };
  }
  const settled = (ws: TestWorkspace, deliveryId: string) =>
    eventually(
      async () => {
        const res = await call(ws, 'GET', `/deliveries/${deliveryId}`);
        return res.status === 200 && res.body.status !== 'pending' ? res.body : undefined;
      },
      20_000,
      `delivery ${deliveryId} to finish`,
    );
  const headersOf = (req: ReceivedRequest) => req.headers as Record<string, string>;
  /** A distinct millisecond, so newest-first order does not fall back to the random id tie-break. */
  const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 5));

  function expectValidationError(res: ApiResponse, ...fields: string[]) {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    for (const field of fields) {
      expect(res.body.details?.[field]).toEqual(expect.arrayContaining([expect.any(String)]));
    }
  }

  // ---- subscriptions -----------------------------------------------------------------------

  describe('subscriptions', () => {
    it('creates a subscription and shows its signing secret only in the create response', async () => {
      const ws = await workspace('Create');
      const r = await receiver();
      const filters = { urlPatterns: ['https://www.example.com/pricing*'] };
      const res = await call<CreatedSubscription>(ws, 'POST', '/webhooks', {
        url: `${r.url}/hook`,
        events: ['lead.created', 'lead.updated', 'lead.created'],
        description: 'CRM sync',
        filters,
      });
      expect(res.status).toBe(201);
      const created = res.body;
      expect(created.id).toMatch(/^wh_/);
      expect(created.secret).toMatch(/^whsec_/);
      expect(created.secretPrefix).toBe(created.secret.slice(0, 12));
      expect(created).toMatchObject({
        url: `${r.url}/hook`,
        events: ['lead.created', 'lead.updated'], // de-duplicated
        description: 'CRM sync',
        filters,
        active: true,
        disabledReason: null,
        disabledAt: null,
        source: 'api',
        health: { failingSince: null, consecutiveFailures: 0, lastSuccessAt: null, circuit: 'closed', circuitOpenedAt: null, lastError: null, recent: { succeeded: 0, failed: 0, successRate: null } },
      });
      const secretBody = created.secret.slice('whsec_'.length);

      const list = await call<Page<Subscription>>(ws, 'GET', '/webhooks');
      expect(list.status).toBe(200);
      expect(list.body.data.map((s) => s.id)).toEqual([created.id]);
      expect(list.body.data[0]).toMatchObject({ id: created.id, secretPrefix: created.secretPrefix, active: true });
      expect(list.body.data[0]).not.toHaveProperty('secret');
      expect(JSON.stringify(list.body)).not.toContain(created.secret);
      expect(JSON.stringify(list.body)).not.toContain(secretBody);

      const one = await call<Subscription>(ws, 'GET', `/webhooks/${created.id}`);
      expect(one.status).toBe(200);
      const { secret: _secret, ...withoutSecret } = created;
      expect(one.body).toEqual(withoutSecret);
      expect(JSON.stringify(one.body)).not.toContain(secretBody);
    });

    it("accepts Zapier's REST-hook body and unsubscribes on DELETE", async () => {
      const ws = await workspace('Zapier');
      const r = await receiver();
      const res = await call<CreatedSubscription>(ws, 'POST', '/webhooks', { target_url: `${r.url}/zap`, event: 'lead.created' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ source: 'zapier', events: ['lead.created'], url: `${r.url}/zap`, active: true });
      expect(res.body.id).toMatch(/^wh_/);
      expect(res.body.secret).toMatch(/^whsec_/);
      expect((await call(ws, 'GET', `/webhooks/${res.body.id}`)).body.source).toBe('zapier');

      const deleted = await call(ws, 'DELETE', `/webhooks/${res.body.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      const gone = await call(ws, 'GET', `/webhooks/${res.body.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('not_found');
      expect((await call(ws, 'DELETE', `/webhooks/${res.body.id}`)).status).toBe(404);
      expect((await call<Page<Subscription>>(ws, 'GET', '/webhooks')).body.data).toEqual([]);
      // Nothing more is delivered to it.
      expect((await emit(ws, 'lead.created')).deliveryIds).toEqual([]);
    });

    it('refuses invalid bodies with field-keyed 400s and stores nothing', async () => {
      const ws = await workspace('Validation');
      const r = await receiver();
      const url = `${r.url}/hook`;

      const unknownType = await call(ws, 'POST', '/webhooks', { url, events: ['lead.created', 'lead.exploded'] });
      expectValidationError(unknownType, 'events');
      expect(unknownType.body.details.events.join(' ')).toContain('lead.exploded');
      expect(unknownType.body.details.events.join(' ')).not.toContain("'lead.created'");

      const missing = await call(ws, 'POST', '/webhooks', {});
      expectValidationError(missing, 'url', 'events');

      const extra = await call(ws, 'POST', '/webhooks', { url, events: ['lead.created'], colour: 'red' });
      expectValidationError(extra, 'colour');

      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: ['lead.created'], filters: { urlPatterns: 'https://x.example/*' } }), 'filters.urlPatterns');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: ['lead.created'], filters: { paths: ['/pricing'] } }), 'filters.paths');
      // Wildcards are capped (matching is linear anyway); the error names the pattern's index.
      const wildcards = await call(ws, 'POST', '/webhooks', { url, events: ['person.page_visit'], filters: { urlPatterns: ['https://ok.example/*', '*a'.repeat(9) + '!'] } });
      expectValidationError(wildcards, 'filters.urlPatterns.1');
      expect(wildcards.body.details['filters.urlPatterns.1'].join(' ')).toContain("at most 8 '*' wildcards");
      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: ['person.page_visit'], filters: { urlPatterns: [''] } }), 'filters.urlPatterns.0');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: ['lead.created'], filters: 'pricing' }), 'filters');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: [] }), 'events');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url, events: 'lead.created' }), 'events');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url: 'not a url', events: ['lead.created'] }), 'url');
      expectValidationError(await call(ws, 'POST', '/webhooks', { url: 'ftp://127.0.0.1/x', events: ['lead.created'] }), 'url');
      // Zapier's body is validated the same way, on its own field names.
      expectValidationError(await call(ws, 'POST', '/webhooks', { target_url: url }), 'event');
      expectValidationError(await call(ws, 'POST', '/webhooks', { target_url: url, event: 'lead.exploded' }), 'event');
      expectValidationError(await call(ws, 'POST', '/webhooks', { target_url: 'not a url', event: 'lead.created' }), 'target_url');

      expect((await call<Page<Subscription>>(ws, 'GET', '/webhooks')).body.data).toEqual([]);
    });

    it('gates paid event types by plan: 403 not_entitled, and /me and /event-types agree', async () => {
      const free = await workspace('Free plan', { plan: 'free' });
      const r = await receiver();

      const refused = await call(free, 'POST', '/webhooks', { url: r.url, events: ['lead.created', 'lead.scored'] });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('not_entitled');
      expect(refused.body.details.events).toHaveLength(1);
      expect(refused.body.details.events[0]).toContain('lead.scored');
      const zapier = await call(free, 'POST', '/webhooks', { target_url: r.url, event: 'order.attributed' });
      expect(zapier.status).toBe(403);
      expect(zapier.body).toMatchObject({ code: 'not_entitled', details: { event: [expect.stringContaining('order.attributed')] } });
      expect((await call<Page<Subscription>>(free, 'GET', '/webhooks')).body.data).toEqual([]);

      // Free event types are fine, but PATCHing a paid one in is gated too.
      const allowed = await subscribe(free, r.url, ['lead.created']);
      const patched = await call(free, 'PATCH', `/webhooks/${allowed.id}`, { events: ['prospect.qualified'] });
      expect(patched.status).toBe(403);
      expect(patched.body).toMatchObject({ code: 'not_entitled', details: { events: [expect.stringContaining('prospect.qualified')] } });
      expect((await call<Subscription>(free, 'GET', `/webhooks/${allowed.id}`)).body.events).toEqual(['lead.created']);

      const me = await call(free, 'GET', '/me');
      expect(me.status).toBe(200);
      expect(me.body.workspace.plan).toBe('free');
      expect(me.body.availableEvents).toContain('lead.created');
      for (const paid of PAID_EVENT_TYPES) expect(me.body.availableEvents).not.toContain(paid);

      const types = await call<{ data: Array<{ type: string; plan: string; available: boolean }> }>(free, 'GET', '/event-types');
      const byType = new Map(types.body.data.map((t) => [t.type, t]));
      expect(byType.get('lead.scored')).toMatchObject({ plan: 'pro', available: false });
      expect(byType.get('lead.created')).toMatchObject({ plan: 'free', available: true });
      expect(types.body.data.filter((t) => !t.available).map((t) => t.type).sort()).toEqual([...PAID_EVENT_TYPES].sort());

      // The default (pro) plan may subscribe to the same type.
      const pro = await workspace('Pro plan');
      expect((await call(pro, 'GET', '/me')).body.availableEvents).toEqual(expect.arrayContaining(PAID_EVENT_TYPES));
      await subscribe(pro, r.url, ['lead.scored']);
    });

    it('updates url, events, description and filters, and the filters decide what is delivered', async () => {
      const ws = await workspace('Patch');
      const [r1, r2] = [await receiver(), await receiver()];
      const sub = await subscribe(ws, `${r1.url}/v1`, ['lead.created'], { description: 'v1', filters: { urlPatterns: ['https://a.example/*'] } });

      const patched = await call<Subscription>(ws, 'PATCH', `/webhooks/${sub.id}`, {
        url: `${r2.url}/v2`,
        events: ['person.page_visit', 'lead.updated', 'person.page_visit'],
        description: 'v2',
        filters: { urlPatterns: ['https://www.example.com/pricing*'] },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        id: sub.id,
        url: `${r2.url}/v2`,
        events: ['person.page_visit', 'lead.updated'],
        description: 'v2',
        filters: { urlPatterns: ['https://www.example.com/pricing*'] },
        secretPrefix: sub.secretPrefix,
        active: true,
      });
      expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(sub.updatedAt).getTime());
      expect((await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`)).body).toEqual(patched.body);

      // The stored filter narrows page visits: the sample visits /pricing, another page does not match.
      const pricing = samples['person.page_visit'];
      const blog = { ...pricing, url: 'https://www.example.com/blog/post', path: '/blog/post' };
      expect((await emit(ws, 'person.page_visit', pricing)).deliveryIds).toHaveLength(1);
      expect((await emit(ws, 'person.page_visit', blog)).deliveryIds).toHaveLength(0);
      expect((await emit(ws, 'lead.created')).deliveryIds).toHaveLength(0); // no longer subscribed

      const cleared = await call<Subscription>(ws, 'PATCH', `/webhooks/${sub.id}`, { filters: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ filters: null, url: `${r2.url}/v2`, events: ['person.page_visit', 'lead.updated'], description: 'v2' });
      expect((await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`)).body.filters).toBeNull();
      const unfiltered = await emit(ws, 'person.page_visit', blog);
      expect(unfiltered.deliveryIds).toHaveLength(1);
      const [req] = await r2.waitForRequests(2);
      expect(req.path).toBe('/v2');
      expect(r1.requests).toHaveLength(0);

      const empty = await call(ws, 'PATCH', `/webhooks/${sub.id}`, {});
      expect(empty.status).toBe(400);
      expect(empty.body.code).toBe('validation_failed');
      expectValidationError(await call(ws, 'PATCH', `/webhooks/${sub.id}`, { url: 'not a url' }), 'url');
      expectValidationError(await call(ws, 'PATCH', `/webhooks/${sub.id}`, { events: [] }), 'events');
      expectValidationError(await call(ws, 'PATCH', `/webhooks/${sub.id}`, { events: ['lead.exploded'] }), 'events');
      expectValidationError(await call(ws, 'PATCH', `/webhooks/${sub.id}`, { secret: 'whsec_mine' }), 'secret');
      expectValidationError(await call(ws, 'PATCH', `/webhooks/${sub.id}`, { active: 'yes' }), 'active');
      // None of the refused patches changed anything.
      expect((await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`)).body).toMatchObject({ url: `${r2.url}/v2`, events: ['person.page_visit', 'lead.updated'], secretPrefix: sub.secretPrefix });

      const unknown = await call(ws, 'PATCH', '/webhooks/wh_doesnotexist0000000', { description: 'x' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('not_found');
    });

    it('PATCH active:false stops deliveries and active:true re-enables, clearing disabledReason and disabledAt', async () => {
      const ws = await workspace('Re-enable');
      const r = (await receiver()).reply(410); // Zapier's "unsubscribe me"
      const sub = await subscribe(ws, `${r.url}/gone`, ['lead.created']);

      const first = await emit(ws, 'lead.created');
      expect((await settled(ws, first.deliveryIds[0])).status).toBe('failed');
      const disabled = await eventually(async () => {
        const res = await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`);
        return res.body.active ? undefined : res.body;
      }, 10_000, 'the subscription to be disabled');
      expect(disabled.disabledReason).toMatch(/410/);
      expect(disabled.disabledAt).not.toBeNull();
      expect((await emit(ws, 'lead.created')).deliveryIds).toEqual([]);

      const reenabled = await call<Subscription>(ws, 'PATCH', `/webhooks/${sub.id}`, { active: true });
      expect(reenabled.status).toBe(200);
      expect(reenabled.body).toMatchObject({ active: true, disabledReason: null, disabledAt: null, health: { failingSince: null, consecutiveFailures: 0 } });
      expect((await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`)).body).toMatchObject({ active: true, disabledReason: null, disabledAt: null });

      const paused = await call<Subscription>(ws, 'PATCH', `/webhooks/${sub.id}`, { active: false });
      expect(paused.status).toBe(200);
      expect(paused.body.active).toBe(false);
      expect((await emit(ws, 'lead.created')).deliveryIds).toEqual([]);

      const resumed = await call<Subscription>(ws, 'PATCH', `/webhooks/${sub.id}`, { active: true });
      expect(resumed.body).toMatchObject({ active: true, disabledReason: null, disabledAt: null });
      const delivered = await emit(ws, 'lead.created');
      expect(delivered.deliveryIds).toHaveLength(1);
      expect((await settled(ws, delivered.deliveryIds[0])).status).toBe('succeeded');
      expect(r.requests).toHaveLength(2); // the 410, then this one
    });

    it('requires a secret key: publishable keys get 403, no key gets 401', async () => {
      const ws = await workspace('Keys');
      const r = await receiver();
      const sub = await subscribe(ws, r.url, ['lead.created']);
      const asPublishable = (method: string, path: string, body?: unknown) => stack.request(method, `/api/v1${path}`, { key: ws.publishableKey, body });

      for (const [method, path, body] of [
        ['GET', '/webhooks'],
        ['POST', '/webhooks', { url: r.url, events: ['lead.created'] }],
        ['GET', `/webhooks/${sub.id}`],
        ['DELETE', `/webhooks/${sub.id}`],
        ['GET', '/event-types'],
        ['GET', '/events'],
      ] as Array<[string, string, unknown?]>) {
        const res = await asPublishable(method, path, body);
        expect({ method, path, status: res.status, code: res.body?.code }).toEqual({ method, path, status: 403, code: 'forbidden' });
      }
      const anonymous = await stack.request('GET', '/api/v1/webhooks');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('unauthorized');
      expect((await stack.request('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['lead.created'] } })).status).toBe(401);

      // Nothing was created or deleted by the refused calls.
      expect((await call<Page<Subscription>>(ws, 'GET', '/webhooks')).body.data.map((s) => s.id)).toEqual([sub.id]);
    });

    it('pages through subscriptions newest first with before/nextBefore, without duplicates', async () => {
      const ws = await workspace('Paging');
      const r = await receiver();
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await subscribe(ws, `${r.url}/p${i}`, ['lead.created'])).id);

      const seen: Subscription[] = [];
      const pageSizes: number[] = [];
      let before: string | null = null;
      for (let page = 0; page < 10; page++) {
        const query: string = before === null ? '' : `&before=${encodeURIComponent(before)}`;
        const res: ApiResponse<Page<Subscription>> = await call(ws, 'GET', `/webhooks?limit=2${query}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data);
        pageSizes.push(res.body.data.length);
        before = res.body.nextBefore;
        if (before === null) break;
      }
      expect(pageSizes).toEqual([2, 2, 1]);
      const ids = seen.map((s) => s.id);
      expect(new Set(ids).size).toBe(5);
      expect([...ids].sort()).toEqual([...created].sort());
      const times = seen.map((s) => new Date(s.createdAt).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const all = await call<Page<Subscription>>(ws, 'GET', '/webhooks');
      expect(all.body.data.map((s) => s.id)).toEqual(ids);
      expect(all.body.nextBefore).toBeNull();

      expectValidationError(await call(ws, 'GET', '/webhooks?before=garbage'), 'query.before');
      expectValidationError(await call(ws, 'GET', '/webhooks?limit=0'), 'query.limit');
      expectValidationError(await call(ws, 'GET', '/webhooks?limit=101'), 'query.limit');
    });
  });

  // ---- event catalogue ---------------------------------------------------------------------

  it('GET /event-types lists the 14 event types, each with a description, an object schema and a sample its schema accepts', async () => {
    const ws = await workspace('Catalogue');
    const res = await call<{ data: Array<{ type: string; description: string; plan: string; available: boolean; schema: Record<string, any>; sample: Record<string, unknown> }> }>(
      ws,
      'GET',
      '/event-types',
    );
    expect(res.status).toBe(200);
    expect(res.body.data.map((t) => t.type)).toEqual(EVENT_TYPES);
    for (const t of res.body.data) {
      expect(typeof t.description).toBe('string');
      expect(t.description.length).toBeGreaterThan(10);
      expect(t.schema.type).toBe('object');
      expect(t.available).toBe(true); // pro workspace
      expect(t.plan).toBe(PAID_EVENT_TYPES.includes(t.type) ? 'pro' : 'free');
      expect(t.sample).toEqual(expect.any(Object));
      // Structural check: every required property is in the sample, and the sample has no undocumented one.
      const required: string[] = t.schema.required ?? [];
      expect(required.length).toBeGreaterThan(0);
      for (const field of required) expect({ type: t.type, field, present: field in t.sample }).toEqual({ type: t.type, field, present: true });
      for (const field of Object.keys(t.sample)) expect({ type: t.type, field, documented: field in t.schema.properties }).toEqual({ type: t.type, field, documented: true });
    }
    const byType = new Map(res.body.data.map((t) => [t.type, t.sample]));
    expect(byType.get('lead.created')).toMatchObject({ id: expect.any(String), email: expect.stringContaining('@') });
    expect(byType.get('order.attributed')).toMatchObject({ currency: expect.stringMatching(/^[A-Z]{3}$/), amount: expect.any(Number) });

    // The real validator (the internal event API) accepts every sample as is…
    for (const type of EVENT_TYPES) {
      const emitted = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type, data: byType.get(type) });
      expect({ type, status: emitted.status }).toEqual({ type, status: 202 });
      expect(emitted.body.event.data).toEqual(byType.get(type));
    }
    // …and refuses one that breaks its schema, naming the field.
    const broken = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data: { ...byType.get('lead.created'), email: 'not-an-email' } });
    expectValidationError(broken, 'data.email');
  });

  it('a delete holds while delivery attempts record the endpoint\'s health', async () => {
    // FerretDB rewrites a whole document per update: a health write racing the delete used to
    // put the subscription back (GET answered 200 after DELETE answered 204). Health now has its
    // own document (webhook_endpoints), so no attempt's outcome touches the subscription.
    const ws = await workspace('Delete race');
    const r = await receiver();
    const failing = recordOutcome(initialHealth(new Date()), { ok: false, at: new Date(), httpStatus: 500, errorClass: 'http_status', message: null }, healthPolicy(stack.config)).health;
    for (let round = 0; round < 10; round++) {
      const sub = await subscribe(ws, `${r.url}/race-${round}`, ['lead.created']);
      const failures = Array.from({ length: 8 }, () => endpointStateRepository.save(sub.id, ws.id, failing));
      const [deleted] = await Promise.all([webhookSubscriptionRepository.softDelete(ws.id, sub.id, new Date()), ...failures]);
      expect(deleted).toBe(true);
      expect({ round, status: (await call(ws, 'GET', `/webhooks/${sub.id}`)).status }).toEqual({ round, status: 404 });
    }
  });

  // ---- signing secrets ---------------------------------------------------------------------

  describe('secret rotation', () => {
    it('signs with both the new and the previous secret during the grace period', async () => {
      const ws = await workspace('Rotation');
      const r = await receiver();
      const sub = await subscribe(ws, `${r.url}/hook`, ['lead.created']);

      const rotated = await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(sub.secret);
      expect(rotated.body.secretPrefix).toBe(rotated.body.secret.slice(0, 12));
      const dayAhead = Date.now() + 24 * 3_600_000;
      expect(Math.abs(new Date(rotated.body.previousSecretExpiresAt).getTime() - dayAhead)).toBeLessThan(60_000);
      const after = await call<Subscription>(ws, 'GET', `/webhooks/${sub.id}`);
      expect(after.body.secretPrefix).toBe(rotated.body.secretPrefix);
      expect(JSON.stringify(after.body)).not.toContain(rotated.body.secret.slice(6));

      const { event } = await emit(ws, 'lead.created');
      const [req] = await r.waitForRequests(1);
      const signatures = headersOf(req)['webhook-signature'].split(' ');
      expect(signatures).toHaveLength(2);
      for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      for (const secret of [rotated.body.secret, sub.secret]) {
        expect(new Webhook(secret).verify(req.body, headersOf(req))).toMatchObject({ id: event.id, type: 'lead.created' });
      }
      const stranger = `whsec_${randomBytes(24).toString('base64')}`;
      expect(() => new Webhook(stranger).verify(req.body, headersOf(req))).toThrow();
    });

    it('keeps at most two signing secrets when rotated again within the grace period', async () => {
      const ws = await workspace('Rotation twice');
      const r = await receiver();
      const sub = await subscribe(ws, `${r.url}/hook`, ['lead.created']);
      const first = await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`);
      const second = await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`);
      expect([first.status, second.status]).toEqual([200, 200]);
      const stored = await WebhookSubscriptionModel.findById(sub.id).lean();
      expect(stored?.secrets).toHaveLength(2);

      await emit(ws, 'lead.created');
      const [req] = await r.waitForRequests(1);
      expect(headersOf(req)['webhook-signature'].split(' ')).toHaveLength(2);
      for (const secret of [second.body.secret, first.body.secret]) expect(new Webhook(secret).verify(req.body, headersOf(req))).toMatchObject({ type: 'lead.created' });
      expect(() => new Webhook(sub.secret).verify(req.body, headersOf(req))).toThrow();
    });

    it('with graceSeconds 0 only the new secret signs', async () => {
      const ws = await workspace('Rotation without grace');
      const r = await receiver();
      const sub = await subscribe(ws, `${r.url}/hook`, ['lead.created']);

      const rotated = await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`, { graceSeconds: 0 });
      expect(rotated.status).toBe(200);
      expect(new Date(rotated.body.previousSecretExpiresAt).getTime()).toBeLessThanOrEqual(Date.now());

      await emit(ws, 'lead.created');
      const [req] = await r.waitForRequests(1);
      expect(headersOf(req)['webhook-signature'].split(' ')).toHaveLength(1);
      expect(new Webhook(rotated.body.secret).verify(req.body, headersOf(req))).toMatchObject({ type: 'lead.created' });
      expect(() => new Webhook(sub.secret).verify(req.body, headersOf(req))).toThrow();

      expectValidationError(await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`, { graceSeconds: -1 }), 'graceSeconds');
      expectValidationError(await call(ws, 'POST', `/webhooks/${sub.id}/rotate-secret`, { grace: 10 }), 'grace');
      expect((await call(ws, 'POST', '/webhooks/wh_doesnotexist0000000/rotate-secret')).status).toBe(404);
    });
  });

  // ---- test events -------------------------------------------------------------------------

  it('POST /webhooks/:id/test delivers a sample of the first event type to that subscription only', async () => {
    const ws = await workspace('Test event');
    const [r1, r2] = [await receiver(), await receiver()];
    const target = await subscribe(ws, `${r1.url}/target`, ['person.identified', 'lead.created']);
    const bystander = await subscribe(ws, `${r2.url}/bystander`, ['person.identified']);

    const res = await call(ws, 'POST', `/webhooks/${target.id}/test`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: expect.stringMatching(/^evt_/), deliveryId: expect.stringMatching(/^dlv_/) });

    const [req] = await r1.waitForRequests(1);
    expect(req.path).toBe('/target');
    const envelope = JSON.parse(req.body);
    expect(Object.keys(envelope).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(envelope).toEqual({ id: res.body.eventId, type: 'person.identified', createdAt: expect.any(String), data: samples['person.identified'] });
    expect(new Date(envelope.createdAt).toISOString()).toBe(envelope.createdAt);
    expect(headersOf(req)['x-signalbox-delivery']).toBe(res.body.deliveryId);
    expect(new Webhook(target.secret).verify(req.body, headersOf(req))).toMatchObject({ id: res.body.eventId });
    expect((await settled(ws, res.body.deliveryId)).status).toBe('succeeded');

    const event = await call(ws, 'GET', `/events/${res.body.eventId}`);
    expect(event.status).toBe(200);
    expect(event.body.deliveries).toHaveLength(1);
    expect(event.body.deliveries[0]).toMatchObject({ id: res.body.deliveryId, subscriptionId: target.id, eventType: 'person.identified', status: 'succeeded' });
    expect((await call<Page<unknown>>(ws, 'GET', `/webhooks/${bystander.id}/deliveries`)).body.data).toEqual([]);
    expect(r2.requests).toHaveLength(0);

    expect((await call(ws, 'POST', '/webhooks/wh_doesnotexist0000000/test')).status).toBe(404);
  });

  // ---- event log ---------------------------------------------------------------------------

  it('GET /events lists newest first with type, since and before/nextBefore; GET /events/:id shows the deliveries', async () => {
    const ws = await workspace('Event log');
    const r = await receiver();
    const sub = await subscribe(ws, `${r.url}/log`, ['lead.created']);
    const suffix = randomBytes(6).toString('hex');

    const e1 = await emit(ws, 'lead.created', samples['lead.created'], `evt_log1_${suffix}`);
    await nextMillisecond();
    const e2 = await emit(ws, 'person.identified');
    await nextMillisecond();
    const e3 = await emit(ws, 'lead.created', { ...samples['lead.created'], id: 'lead_second', email: 'second@example.com' });
    expect(e1.event.id).toBe(`evt_log1_${suffix}`);
    expect(e1.deliveryIds).toHaveLength(1);
    expect(e2.deliveryIds).toHaveLength(0);

    // Emitting the same id again is idempotent: same event, same delivery.
    const again = await emit(ws, 'lead.created', samples['lead.created'], `evt_log1_${suffix}`);
    expect(again.event.id).toBe(e1.event.id);
    expect(again.deliveryIds).toEqual(e1.deliveryIds);

    const ids = (page: ApiResponse<Page<EventView>>) => page.body.data.map((e) => e.id);
    const all = await call<Page<EventView>>(ws, 'GET', '/events');
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual([e3.event.id, e2.event.id, e1.event.id]);
    expect(all.body.nextBefore).toBeNull();
    expect(all.body.data[0]).toEqual({ id: e3.event.id, type: 'lead.created', createdAt: e3.event.createdAt, data: { ...samples['lead.created'], id: 'lead_second', email: 'second@example.com' } });

    expect(ids(await call(ws, 'GET', '/events?type=lead.created'))).toEqual([e3.event.id, e1.event.id]);
    expect(ids(await call(ws, 'GET', '/events?type=person.identified'))).toEqual([e2.event.id]);
    expect(ids(await call(ws, 'GET', '/events?type=order.attributed'))).toEqual([]);
    expect(ids(await call(ws, 'GET', `/events?since=${encodeURIComponent(e2.event.createdAt)}`))).toEqual([e3.event.id, e2.event.id]);
    expect(ids(await call(ws, 'GET', `/events?before=${encodeURIComponent(e2.event.createdAt)}`))).toEqual([e1.event.id]);

    const walked: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = before === null ? '' : `&before=${encodeURIComponent(before)}`;
      const res: ApiResponse<Page<EventView>> = await call(ws, 'GET', `/events?limit=1${query}`);
      expect(res.body.data).toHaveLength(1);
      walked.push(...ids(res));
      before = res.body.nextBefore;
      if (before === null) break;
    }
    expect(walked).toEqual([e3.event.id, e2.event.id, e1.event.id]);
    const typedPage = await call<Page<EventView>>(ws, 'GET', '/events?type=lead.created&limit=1');
    expect(ids(typedPage)).toEqual([e3.event.id]);
    expect(ids(await call(ws, 'GET', `/events?type=lead.created&limit=1&before=${encodeURIComponent(typedPage.body.nextBefore ?? '')}`))).toEqual([e1.event.id]);

    expectValidationError(await call(ws, 'GET', '/events?type=lead.exploded'), 'query.type');
    expectValidationError(await call(ws, 'GET', '/events?since=yesterday'), 'query.since');
    expectValidationError(await call(ws, 'GET', '/events?before=garbage'), 'query.before');

    await settled(ws, e1.deliveryIds[0]);
    const one = await call(ws, 'GET', `/events/${e1.event.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: e1.event.id, type: 'lead.created', createdAt: e1.event.createdAt, data: samples['lead.created'] });
    expect(one.body.deliveries).toEqual([
      expect.objectContaining({ id: e1.deliveryIds[0], eventId: e1.event.id, eventType: 'lead.created', subscriptionId: sub.id, url: `${r.url}/log`, status: 'succeeded', attemptCount: 1 }),
    ]);
    expect((await call(ws, 'GET', `/events/${e2.event.id}`)).body.deliveries).toEqual([]);
    const missing = await call(ws, 'GET', '/events/evt_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  // ---- tenant isolation --------------------------------------------------------------------

  it("isolates tenants on every endpoint: B's key cannot see or touch A's subscription, deliveries or events", async () => {
    const [a, b] = [await workspace('Tenant A'), await workspace('Tenant B')];
    const [ra, rb] = [await receiver(), await receiver()];
    const subA = await subscribe(a, `${ra.url}/a`, ['lead.created']);
    const emittedA = await emit(a, 'lead.created');
    const deliveryA = emittedA.deliveryIds[0];
    expect((await settled(a, deliveryA)).status).toBe('succeeded');
    const subB = await subscribe(b, `${rb.url}/b`, ['lead.created']);
    const emittedB = await emit(b, 'lead.created');
    expect(emittedB.deliveryIds).toHaveLength(1);
    const eventsOfA = (await call<Page<EventView>>(a, 'GET', '/events')).body.data.length;

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/webhooks/${subA.id}`],
      ['PATCH', `/webhooks/${subA.id}`, { url: `${rb.url}/stolen`, description: 'hijacked', active: false }],
      ['DELETE', `/webhooks/${subA.id}`],
      ['POST', `/webhooks/${subA.id}/test`],
      ['POST', `/webhooks/${subA.id}/rotate-secret`, { graceSeconds: 0 }],
      ['GET', `/webhooks/${subA.id}/deliveries`],
      ['POST', `/webhooks/${subA.id}/recover`, { since }],
      ['GET', `/deliveries/${deliveryA}`],
      ['POST', `/deliveries/${deliveryA}/retry`],
      ['GET', `/events/${emittedA.event.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(b, method, path, body);
      expect({ method, path, status: res.status, code: res.body?.code }).toEqual({ method, path, status: 404, code: 'not_found' });
      expect(JSON.stringify(res.body ?? '')).not.toContain(ra.url);
    }
    // And the other way round, for B's own items.
    expect((await call(a, 'GET', `/webhooks/${subB.id}`)).status).toBe(404);
    expect((await call(a, 'GET', `/events/${emittedB.event.id}`)).status).toBe(404);
    expect((await call(a, 'GET', `/deliveries/${emittedB.deliveryIds[0]}`)).status).toBe(404);

    const listB = await call<Page<Subscription>>(b, 'GET', '/webhooks');
    expect(listB.body.data.map((s) => s.id)).toEqual([subB.id]);
    const eventsB = await call<Page<EventView>>(b, 'GET', '/events');
    expect(eventsB.body.data.map((e) => e.id)).toEqual([emittedB.event.id]);
    expect((await call<Page<unknown>>(b, 'GET', `/webhooks/${subB.id}/deliveries`)).body.data).toEqual([expect.objectContaining({ id: emittedB.deliveryIds[0] })]);

    // An event id is global: B cannot claim (or read back) A's event by emitting with its id.
    const clash = await stack.admin('POST', `/workspaces/${b.id}/events`, { type: 'lead.created', data: samples['lead.created'], id: emittedA.event.id });
    expect(clash.status).toBe(409);
    expect(JSON.stringify(clash.body)).not.toContain(a.id);

    // A's subscription, delivery and event log are exactly as before.
    const afterA = await call<Subscription>(a, 'GET', `/webhooks/${subA.id}`);
    expect(afterA.status).toBe(200);
    expect(afterA.body).toMatchObject({ active: true, url: `${ra.url}/a`, description: null, secretPrefix: subA.secretPrefix, disabledReason: null });
    const deliveryAfter = await call(a, 'GET', `/deliveries/${deliveryA}`);
    expect(deliveryAfter.body).toMatchObject({ status: 'succeeded', series: 1, attemptCount: 1 });
    expect((await call<Page<EventView>>(a, 'GET', '/events')).body.data).toHaveLength(eventsOfA);
    expect((await call<Page<Subscription>>(a, 'GET', '/webhooks')).body.data.map((s) => s.id)).toEqual([subA.id]);
    // A's endpoint still verifies with its original secret (the rotation attempt did nothing).
    const later = await emit(a, 'lead.created');
    const requests = await ra.waitForRequests(2);
    expect(new Webhook(subA.secret).verify(requests[1].body, headersOf(requests[1]))).toMatchObject({ id: later.event.id });
    expect(headersOf(requests[1])['webhook-signature'].split(' ')).toHaveLength(1);
    expect((await rb.waitForRequests(1)).map((q) => q.path)).toEqual(['/b']);
  });
});
