import { DeliveryModel } from '../../core/webhooks/delivery.model';
import { IngestOutboxModel } from '../../core/ingest/ingest-outbox.model';
import { dropRetiredIndexes } from '../../core/platform/db';
import { ReceiverPool, type ReceivedRequest } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The routes the console's overview, deliveries and events pages need, on the real stack:
 * the workspace-wide delivery list, the stats window and event replay.
 */
interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  status: string;
  replayId: string | null;
}
interface Page<T> {
  data: T[];
  nextBefore: string | null;
}

describe('console API: workspace deliveries, stats and replay (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  let samples: Record<string, Record<string, unknown>>;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
    const reader = await workspace('Catalogue reader');
    const catalogue = await call(reader, 'GET', '/event-types');
    samples = Object.fromEntries(catalogue.body.data.map((d: { type: string; sample: Record<string, unknown> }) => [d.type, d.sample]));
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  function workspace(name: string): Promise<TestWorkspace> {
    return stack.createWorkspace(name, { rateLimits: { perMinute: 10_000 } });
  }
  function call<T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    return stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  }
  async function subscribe(ws: TestWorkspace, url: string, events: string[]): Promise<{ id: string }> {
    const res = await call(ws, 'POST', '/webhooks', { url, events });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function emit(ws: TestWorkspace, type: string) {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type, data: samples[type] });
    expect(res.status).toBe(202);
    return res.body as { event: { id: string }; deliveryIds: string[] };
  }
  const settled = (ws: TestWorkspace, deliveryId: string) =>
    eventually(
      async () => {
        const res = await call<Delivery>(ws, 'GET', `/deliveries/${deliveryId}`);
        return res.status === 200 && res.body.status !== 'pending' ? res.body : undefined;
      },
      20_000,
      `delivery ${deliveryId} to finish`,
    );
  const ids = (page: Page<Delivery>) => page.data.map((d) => d.id).sort();
  const header = (req: ReceivedRequest, name: string) => req.headers[name] as string;

  /** Workspace A: an endpoint that answers and one that always fails; workspace B: one delivery of its own. */
  let a: TestWorkspace;
  let b: TestWorkspace;
  let okSub: { id: string };
  let failingSub: { id: string };
  let bSub: { id: string };
  let created: { okCreated: string; failingCreated: string; failingUpdated: string; bDelivery: string };

  beforeAll(async () => {
    [a, b] = await Promise.all([workspace('Deliveries A'), workspace('Deliveries B')]);
    const [ok, failing, other] = await Promise.all([receivers.start(), receivers.start(), receivers.start()]);
    failing.fallback = 500;
    okSub = await subscribe(a, `${ok.url}/ok`, ['lead.created']);
    failingSub = await subscribe(a, `${failing.url}/fail`, ['lead.created', 'lead.updated']);
    bSub = await subscribe(b, `${other.url}/b`, ['lead.created']);
    const leadCreated = await emit(a, 'lead.created');
    const leadUpdated = await emit(a, 'lead.updated');
    const bEvent = await emit(b, 'lead.created');
    const byIds = await Promise.all([
      ...[...leadCreated.deliveryIds, ...leadUpdated.deliveryIds].map((id) => settled(a, id)),
      ...bEvent.deliveryIds.map((id) => settled(b, id)),
    ]);
    const find = (sub: string, type: string) => byIds.find((d) => d.subscriptionId === sub && d.eventType === type)?.id as string;
    created = { okCreated: find(okSub.id, 'lead.created'), failingCreated: find(failingSub.id, 'lead.created'), failingUpdated: find(failingSub.id, 'lead.updated'), bDelivery: find(bSub.id, 'lead.created') };
  });

  describe('GET /deliveries', () => {
    it("lists every endpoint's deliveries of the workspace, never another workspace's", async () => {
      const all = await call<Page<Delivery>>(a, 'GET', '/deliveries');
      expect(all.status).toBe(200);
      expect(ids(all.body)).toEqual([created.okCreated, created.failingCreated, created.failingUpdated].sort());
      expect(all.body.nextBefore).toBeNull();
      const other = await call<Page<Delivery>>(b, 'GET', '/deliveries');
      expect(ids(other.body)).toEqual([created.bDelivery]);
    });

    it('filters by status, event type and subscription (another workspace’s subscription matches nothing)', async () => {
      expect(ids((await call(a, 'GET', '/deliveries?status=failed')).body)).toEqual([created.failingCreated, created.failingUpdated].sort());
      expect(ids((await call(a, 'GET', '/deliveries?status=succeeded')).body)).toEqual([created.okCreated]);
      expect(ids((await call(a, 'GET', '/deliveries?event_type=lead.updated')).body)).toEqual([created.failingUpdated]);
      expect(ids((await call(a, 'GET', `/deliveries?subscription_id=${okSub.id}`)).body)).toEqual([created.okCreated]);
      expect(ids((await call(a, 'GET', `/deliveries?subscription_id=${failingSub.id}&event_type=lead.created`)).body)).toEqual([created.failingCreated]);
      expect((await call(a, 'GET', `/deliveries?subscription_id=${bSub.id}`)).body.data).toEqual([]);
    });

    it('pages with before/nextBefore, without gaps or repeats', async () => {
      const first = await call<Page<Delivery>>(a, 'GET', '/deliveries?limit=2');
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextBefore).toEqual(expect.any(String));
      const second = await call<Page<Delivery>>(a, 'GET', `/deliveries?limit=2&before=${encodeURIComponent(first.body.nextBefore as string)}`);
      expect(second.body.data).toHaveLength(1);
      expect(second.body.nextBefore).toBeNull();
      expect([...ids(first.body), ...ids(second.body)].sort()).toEqual([created.okCreated, created.failingCreated, created.failingUpdated].sort());
    });

    it('answers 400 with field details for a bad filter', async () => {
      const res = await call(a, 'GET', '/deliveries?status=lost&limit=0');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(Object.keys(res.body.details)).toEqual(expect.arrayContaining(['query.status', 'query.limit']));
    });
  });

  describe('GET /stats', () => {
    it('counts the events and deliveries of the window per minute, with the success rate, backlog and failing endpoints', async () => {
      const res = await call(a, 'GET', '/stats?minutes=5');
      expect(res.status).toBe(200);
      const stats = res.body;
      expect(stats.minutes).toHaveLength(5);
      const sum = (pick: (m: any) => number) => stats.minutes.reduce((n: number, m: any) => n + pick(m), 0);
      expect(sum((m) => m.events)).toBe(2);
      expect(sum((m) => m.deliveries.created)).toBe(3);
      expect(stats.deliveries).toEqual({ created: 3, succeeded: 1, failed: 2, successRate: 0.333 });
      expect(typeof stats.ingest.backlog).toBe('number');
      expect(stats.ingest.lagSeconds === null || typeof stats.ingest.lagSeconds === 'number').toBe(true);
      expect(stats.failingEndpoints.map((e: { id: string }) => e.id)).toEqual([failingSub.id]);
      expect(stats.failingEndpoints[0].health.consecutiveFailures).toBeGreaterThan(0);
      const other = (await call(b, 'GET', '/stats')).body;
      expect(other.minutes).toHaveLength(60);
      expect(other.deliveries).toMatchObject({ created: 1, succeeded: 1, failed: 0, successRate: 1 });
      expect(other.failingEndpoints).toEqual([]);
    });

    it("counts the workspace's ingest events waiting in the outbox, and the oldest one's age", async () => {
      const ws = await workspace('Backlog');
      expect((await call(ws, 'GET', '/stats')).body.ingest).toEqual({ backlog: 0, lagSeconds: null });
      // Written as the ingest route writes it, 5 s old (the sweep only re-sends entries older than 30 s).
      const row = { _id: `ing_backlog${Date.now()}`, workspaceId: ws.id, visitorId: 'vis_backlog', event: { kind: 'track' }, receivedAt: new Date(Date.now() - 5_000) };
      await IngestOutboxModel.collection.insertOne(row as never);
      try {
        const { ingest } = (await call(ws, 'GET', '/stats')).body;
        expect(ingest.backlog).toBe(1);
        expect(ingest.lagSeconds).toBeGreaterThanOrEqual(5);
        expect(ingest.lagSeconds).toBeLessThan(30);
        expect((await call(a, 'GET', '/stats')).body.ingest.backlog).toBe(0);
      } finally {
        await IngestOutboxModel.collection.deleteOne({ _id: row._id } as never);
      }
    });

    it('refuses a window outside 1–180 minutes', async () => {
      for (const minutes of ['0', '181', 'soon']) {
        const res = await call(a, 'GET', `/stats?minutes=${minutes}`);
        expect(res.status).toBe(400);
        expect(res.body.details['query.minutes']).toEqual(expect.arrayContaining([expect.any(String)]));
      }
    });
  });

  describe('the delivery pair index of an older version', () => {
    it('is dropped at startup, since it would refuse a replay', async () => {
      // Before any replay in this database: the old unique pair index can still be built here.
      await DeliveryModel.collection.createIndex({ eventId: 1, subscriptionId: 1 }, { unique: true, name: 'eventId_1_subscriptionId_1' });
      await dropRetiredIndexes();
      await dropRetiredIndexes(); // already gone: fine
      const names = (await DeliveryModel.collection.indexes()).map((i) => i.name);
      expect(names).not.toContain('eventId_1_subscriptionId_1');
      expect(names).toContain('eventId_1_subscriptionId_1_replayId_1');
    });
  });

  describe('POST /events/:id/replay', () => {
    it('sends the event again, as new deliveries with the same webhook-id, to the subscriptions that match it now', async () => {
      const ws = await workspace('Replay');
      const [first, later] = await Promise.all([receivers.start(), receivers.start()]);
      await subscribe(ws, `${first.url}/hook`, ['lead.created']);
      const { event, deliveryIds } = await emit(ws, 'lead.created');
      const [original] = await first.waitForRequests(1);
      await subscribe(ws, `${later.url}/hook`, ['lead.created']);

      const res = await call(ws, 'POST', `/events/${event.id}/replay`);
      expect(res.status).toBe(202);
      expect(res.body.deliveryIds).toHaveLength(2);
      expect(res.body.deliveryIds).not.toContain(deliveryIds[0]);
      const [, again] = await first.waitForRequests(2);
      const [toLater] = await later.waitForRequests(1);
      expect(header(again, 'webhook-id')).toBe(event.id);
      expect(header(toLater, 'webhook-id')).toBe(event.id);
      expect(header(again, 'webhook-id')).toBe(header(original, 'webhook-id'));
      expect(again.body).toBe(original.body);
      expect(header(again, 'x-signalbox-delivery')).not.toBe(header(original, 'x-signalbox-delivery'));
      for (const id of res.body.deliveryIds as string[]) expect(await settled(ws, id)).toMatchObject({ status: 'succeeded', eventId: event.id, replayId: res.body.replayId });

      const withDeliveries = await call(ws, 'GET', `/events/${event.id}`);
      expect(withDeliveries.body.deliveries).toHaveLength(3);
    });

    it("answers 404 for another workspace's event and an unknown one", async () => {
      const leadCreated = (await call<Page<{ id: string }>>(a, 'GET', '/events?type=lead.created')).body.data[0];
      expect((await call(b, 'POST', `/events/${leadCreated.id}/replay`)).status).toBe(404);
      expect((await call(a, 'POST', '/events/evt_doesnotexist/replay')).status).toBe(404);
    });
  });
});
