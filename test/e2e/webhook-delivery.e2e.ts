import { Webhook } from 'standardwebhooks';
import { eventSamples } from '../../core/events/event-samples';
import { WebhookSubscriptionModel } from '../../core/webhooks/webhook-subscription.model';
import { endpointStateRepository } from '../../core/webhooks/endpoint-state.repository';
import { initialHealth } from '../../core/webhooks/endpoint-health';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { deliveryStateQuery } from '../../workflows';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

const leadCreated = (id: string) => ({
  id,
  visitor_id: 'vis_1',
  full_name: 'Jane Doe',
  email: 'jane@example.com',
  phone: null,
  lead_source: 'meta',
  utm_source: 'facebook',
  utm_medium: 'cpc',
  utm_campaign: 'spring_sale',
  status: 'new',
  value: 2400,
  created_at: '2026-04-20T18:30:15.000Z',
});

describe('webhook delivery (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();
  const receiver = () => receivers.start();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms,200ms,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
  });
  // Each test gets its own workspace, so its subscriptions see only its own events.
  beforeEach(async () => {
    ws = await stack.createWorkspace(expect.getState().currentTestName ?? 'Deliveries', { rateLimits: { perMinute: 100_000, perDay: 1_000_000 } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const subscribe = async (url: string, events: string[], extra: Record<string, unknown> = {}) => {
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };
  const emit = async (type: string, data: unknown, id?: string) => {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type, data, ...(id ? { id } : {}) });
    expect(res.status).toBe(202);
    return res.body as { event: { id: string }; deliveryIds: string[] };
  };
  const settled = (deliveryId: string) =>
    eventually(async () => {
      const res = await stack.request('GET', `/api/v1/deliveries/${deliveryId}`, { key: ws.secretKey });
      if (res.status !== 200) throw new Error(`GET delivery answered ${res.status}`);
      return res.body.status !== 'pending' ? res.body : undefined;
    }, 30_000, `delivery ${deliveryId} to finish`);
  /** POST …/recover answers at once; the recovery runs as a workflow, followed at its progressUrl. */
  const recover = async (subscriptionId: string, since: Date) => {
    const started = await stack.request('POST', `/api/v1/webhooks/${subscriptionId}/recover`, { key: ws.secretKey, body: { since: since.toISOString() } });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ id: expect.stringMatching(`^recover-${subscriptionId}-`), status: 'running', progressUrl: `/api/v1/webhooks/${subscriptionId}/recoveries/${started.body.id}` });
    return eventually(async () => {
      const res = await stack.request('GET', started.body.progressUrl, { key: ws.secretKey });
      if (res.status !== 200) throw new Error(`GET recovery answered ${res.status}`);
      return res.body.status === 'completed' ? res.body : undefined;
    }, 30_000, `recovery ${started.body.id} to complete`);
  };

  it('delivers a signed Standard Webhooks request that the standardwebhooks package verifies', async () => {
    const r = await receiver();
    const sub = await subscribe(`${r.url}/hook`, ['lead.created']);
    const { event, deliveryIds } = await emit('lead.created', leadCreated('lead_sig'));
    const [req] = await r.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Signalbox-Webhooks\/\d+\.\d+\.\d+$/);
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(req.headers['x-signalbox-event']).toBe('lead.created');
    expect(req.headers['x-signalbox-delivery']).toBe(deliveryIds[0]);
    const payload = new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>) as { id: string; type: string; createdAt: string; data: { id: string } };
    expect(payload).toMatchObject({ id: event.id, type: 'lead.created', data: { id: 'lead_sig', email: 'jane@example.com' } });
    expect(new Date(payload.createdAt).toISOString()).toBe(payload.createdAt);
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ number: 1, series: 1, httpStatus: 200, errorClass: null });
    // The attempt keeps what was sent, byte for byte what the receiver got (shown in the console and portal).
    const sent = ['content-type', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-signalbox-event', 'x-signalbox-delivery'];
    expect(delivery.attempts[0].requestHeaders).toEqual(Object.fromEntries(sent.map((name) => [name, req.headers[name]])));
  });

  it('retries 500, 500, 200 and records exactly one success after three attempts', async () => {
    const r = (await receiver()).reply({ status: 500, body: 'boom' }, 500, 200);
    await subscribe(r.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_retry'));
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([500, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ errorClass: 'http_status', responseBody: 'boom' });
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1); // stable id for de-duplication
  });

  it('cuts off a receiver that never answers and one that drips its body, as timeouts', async () => {
    const silent = (await receiver()).reply(() => undefined);
    silent.fallback = () => undefined;
    const drip = await receiver();
    drip.fallback = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
    };
    await subscribe(silent.url, ['lead.created']);
    await subscribe(drip.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_timeout'));
    const results = await Promise.all(deliveryIds.map(settled));
    for (const delivery of results) {
      expect(delivery.status).toBe('failed');
      expect(delivery.attempts).toHaveLength(4);
      for (const attempt of delivery.attempts) {
        expect(attempt.errorClass).toBe('timeout');
        expect(attempt.durationMs).toBeGreaterThanOrEqual(900);
        expect(attempt.durationMs).toBeLessThan(5000);
      }
    }
    const dripped = results.find((d) => d.url.startsWith(drip.url));
    expect(dripped.attempts[0].httpStatus).toBe(200); // headers arrived, the body never finished
  }, 60_000);

  it('treats a redirect as a failure and does not follow it', async () => {
    const target = await receiver();
    const r = await receiver();
    r.fallback = { status: 302, headers: { location: `${target.url}/elsewhere` } };
    await subscribe(r.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_redirect'));
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts[0]).toMatchObject({ httpStatus: 302, errorClass: 'redirect' });
    expect(delivery.attempts[0].responseHeaders.location).toBe(`${target.url}/elsewhere`);
    expect(target.requests).toHaveLength(0);
  });

  it('disables the subscription on 410 Gone and tells the other subscriptions', async () => {
    const gone = (await receiver()).reply(410);
    const watcher = await receiver();
    const sub = await subscribe(gone.url, ['lead.created']);
    await subscribe(watcher.url, ['webhook.disabled']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_gone'));
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(1); // no retries after 410
    const after = await stack.request('GET', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey });
    expect(after.body.active).toBe(false);
    expect(after.body.disabledReason).toMatch(/410/);
    const [notice] = await watcher.waitForRequests(1);
    const body = JSON.parse(notice.body);
    expect(body.type).toBe('webhook.disabled');
    expect(body.data).toMatchObject({ subscription_id: sub.id, url: after.body.url });
    // Nothing more goes to the disabled subscription.
    await emit('lead.created', leadCreated('lead_after_gone'));
    await new Promise((r) => setTimeout(r, 500));
    expect(gone.requests).toHaveLength(1);
    // PATCH active:true re-enables it.
    const enabled = await stack.request('PATCH', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey, body: { active: true } });
    expect(enabled.body).toMatchObject({ active: true, disabledReason: null });
    await emit('lead.created', leadCreated('lead_reenabled'));
    await gone.waitForRequests(2);
  });

  it('fans out to every matching subscription, honouring event types and URL filters', async () => {
    const [leads, visits, pricing, other] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    await subscribe(leads.url, ['lead.created', 'lead.updated']);
    await subscribe(visits.url, ['person.page_visit']);
    await subscribe(pricing.url, ['person.page_visit'], { filters: { urlPatterns: ['https://example.com/pricing*'] } });
    await subscribe(other.url, ['order.attributed']);
    const visit = (url: string, path: string) => ({ ...eventSamples['person.page_visit'], url, path });
    const lead = await emit('lead.created', leadCreated('lead_fanout'));
    const blog = await emit('person.page_visit', visit('https://example.com/blog/post', '/blog/post'));
    const price = await emit('person.page_visit', visit('https://example.com/pricing?plan=pro', '/pricing'));
    expect(lead.deliveryIds).toHaveLength(1);
    expect(blog.deliveryIds).toHaveLength(1);
    expect(price.deliveryIds).toHaveLength(2);
    await Promise.all([...lead.deliveryIds, ...blog.deliveryIds, ...price.deliveryIds].map(settled));
    expect(leads.requests.map((q) => q.headers['webhook-id'])).toEqual([lead.event.id]);
    expect(visits.requests.map((q) => q.headers['webhook-id']).sort()).toEqual([blog.event.id, price.event.id].sort());
    expect(pricing.requests.map((q) => q.headers['webhook-id'])).toEqual([price.event.id]);
    expect(other.requests).toHaveLength(0);
  });

  // A backtracking glob took 16 s for `*a*a*a*!` on 220 characters and froze the whole process;
  // such a pattern may already be stored (written before the API capped wildcards).
  it('matches poisonous URL patterns on 4 KB page URLs without stalling the process', async () => {
    const [poisoned, plain] = await Promise.all([receiver(), receiver()]);
    const sub = await subscribe(poisoned.url, ['person.page_visit'], { filters: { urlPatterns: ['https://x.example/*'] } });
    await WebhookSubscriptionModel.updateOne({ _id: sub.id }, { $set: { filters: { urlPatterns: ['*a*a*a*!', `${'*a'.repeat(12)}!`, '*/*/*/pricing'] } } });
    await subscribe(plain.url, ['person.page_visit']);
    const longUrl = `https://example.com/${'a/'.repeat(2040)}`;
    const started = Date.now();
    const sent = await emit('person.page_visit', { ...eventSamples['person.page_visit'], url: longUrl, path: '/a' });
    const health = await stack.request('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sent.deliveryIds).toHaveLength(1);
    await settled(sent.deliveryIds[0]);
    expect(plain.requests.map((q) => q.headers['webhook-id'])).toEqual([sent.event.id]);
    const pricing = await emit('person.page_visit', { ...eventSamples['person.page_visit'], url: `https://example.com/${'a/'.repeat(2000)}b/pricing`, path: '/pricing' });
    expect(pricing.deliveryIds).toHaveLength(2);
    await Promise.all(pricing.deliveryIds.map(settled));
    expect(poisoned.requests.map((q) => q.headers['webhook-id'])).toEqual([pricing.event.id]);
  });

  it('stops delivering once the subscription is deleted', async () => {
    const r = await receiver();
    r.fallback = 500;
    const sub = await subscribe(r.url, ['lead.created']);
    await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, 1500, 1500, 1500] } });
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_deleted'));
    await r.waitForRequests(1);
    expect((await stack.request('DELETE', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey })).status).toBe(204);
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('canceled');
    await new Promise((res) => setTimeout(res, 2000));
    expect(r.requests).toHaveLength(1);
    expect((await stack.request('GET', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey })).status).toBe(404);
    await emit('lead.created', leadCreated('lead_after_delete'));
    expect((await stack.request('GET', `/api/v1/deliveries/${deliveryIds[0]}`, { key: ws.secretKey })).body.status).toBe('canceled');
  });

  it('honours Retry-After on 429 and exposes the state through a workflow query', async () => {
    const r = (await receiver()).reply({ status: 429, headers: { 'retry-after': '2' } }, 200);
    await subscribe(r.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_429'));
    await r.waitForRequests(1);
    const handle = stack.temporal.workflow.getHandle(workflowIds.delivery(deliveryIds[0]));
    const state = await eventually(async () => {
      const s = await handle.query(deliveryStateQuery);
      return s.attempts === 1 ? s : undefined;
    });
    expect(state).toMatchObject({ status: 'retrying', attempts: 1, lastHttpStatus: 429 });
    expect(new Date(state.nextAttemptAt!).getTime() - r.requests[0].receivedAt).toBeGreaterThan(1500);
    const [first, second] = await r.waitForRequests(2);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1900); // not the 200 ms of the schedule
    expect((await settled(deliveryIds[0])).status).toBe('succeeded');
    const description = await eventually(async () => {
      const d = await handle.describe(); // visibility is eventually consistent
      return d.searchAttributes.SignalboxStatus?.[0] === 'succeeded' ? d : undefined;
    });
    // The memo shows the origin only: a hook URL's path is often its credential.
    expect(await description.memo).toMatchObject({ url: new URL(r.url).origin });
  });

  it('retries a failed delivery on request and recovers failed deliveries after an outage', async () => {
    const r = await receiver();
    r.fallback = 503;
    const sub = await subscribe(r.url, ['lead.created']);
    const first = await emit('lead.created', leadCreated('lead_outage_1'));
    const second = await emit('lead.created', leadCreated('lead_outage_2'));
    const failed = await Promise.all([...first.deliveryIds, ...second.deliveryIds].map(settled));
    expect(failed.map((d) => d.status)).toEqual(['failed', 'failed']);
    r.fallback = 200;

    const retried = await stack.request('POST', `/api/v1/deliveries/${first.deliveryIds[0]}/retry`, { key: ws.secretKey });
    expect(retried.status).toBe(202);
    expect(retried.body.mode).toBe('restarted');
    const afterRetry = await settled(first.deliveryIds[0]);
    expect(afterRetry.status).toBe('succeeded');
    expect(afterRetry.series).toBe(2);
    expect(afterRetry.attempts).toHaveLength(5); // four failed in series 1, one success in series 2
    expect(afterRetry.attempts[4]).toMatchObject({ series: 2, httpStatus: 200 });

    const failedList = await stack.request('GET', `/api/v1/webhooks/${sub.id}/deliveries?status=failed`, { key: ws.secretKey });
    expect(failedList.body.data.map((d: { id: string }) => d.id)).toEqual(second.deliveryIds);
    const recovery = await recover(sub.id, new Date(Date.now() - 60_000));
    expect(recovery).toMatchObject({ status: 'completed', found: 1, recovered: 1 });
    expect(new Date(recovery.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(recovery.startedAt).getTime());
    // Exactly the failed delivery was re-delivered (a new series that arrived); the retried one was left alone.
    const afterRecover = await settled(second.deliveryIds[0]);
    expect(afterRecover).toMatchObject({ status: 'succeeded', series: 2, attemptCount: 5 });
    expect(afterRecover.attempts[4]).toMatchObject({ series: 2, number: 1, httpStatus: 200 });
    expect(r.requests.filter((q) => q.headers['webhook-id'] === second.event.id)).toHaveLength(5); // four 503s, then the recovered one
    expect((await settled(first.deliveryIds[0])).attempts).toHaveLength(5);
    const bad = await stack.request('POST', `/api/v1/webhooks/${sub.id}/recover`, { key: ws.secretKey, body: { since: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.since).toBeDefined();
  }, 60_000);

  it('recover starts a new attempt series for a delivery waiting for its next attempt, as retry does for a finished one', async () => {
    const r = (await receiver()).reply(503);
    await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, 3_600_000, 3_600_000] } });
    const sub = await subscribe(r.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_waiting'));
    const waiting = await eventually(async () => {
      const res = await stack.request('GET', `/api/v1/deliveries/${deliveryIds[0]}`, { key: ws.secretKey });
      return res.body.attemptCount === 1 ? res.body : undefined;
    });
    expect(waiting).toMatchObject({ status: 'pending', series: 1 }); // next attempt in an hour

    expect(await recover(sub.id, new Date(Date.now() - 60_000))).toMatchObject({ found: 1, recovered: 1 });
    const delivered = await settled(deliveryIds[0]);
    expect(delivered).toMatchObject({ status: 'succeeded', series: 2 });
    expect(delivered.attempts.map((a: { series: number; number: number; httpStatus: number }) => [a.series, a.number, a.httpStatus])).toEqual([
      [1, 1, 503],
      [2, 1, 200],
    ]);
    expect(r.requests).toHaveLength(2);
  });

  it('disables a subscription whose deliveries keep failing past the auto-disable window', async () => {
    const r = await receiver();
    r.fallback = 500;
    const sub = await subscribe(r.url, ['lead.created']);
    // Pretend the failures began long ago; the threshold (10 failed attempts) still has to be reached.
    await endpointStateRepository.save(sub.id, ws.id, { ...initialHealth(new Date()), failingSince: new Date(Date.now() - 6 * 86_400_000), consecutiveFailures: 7 });
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_auto_disable'));
    await settled(deliveryIds[0]);
    const after = await eventually(async () => {
      const res = await stack.request('GET', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey });
      return res.body.active === false ? res.body : undefined;
    });
    expect(after.disabledReason).toMatch(/Every delivery failed since/);
    expect(after.health.consecutiveFailures).toBeGreaterThanOrEqual(10);
  });

  it('stops delivering paid event types after a downgrade to a plan without them', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['lead.scored']);
    const scored = eventSamples['lead.scored'];
    expect((await emit('lead.scored', scored)).deliveryIds).toHaveLength(1);
    await r.waitForRequests(1);
    expect((await stack.admin('PATCH', `/workspaces/${ws.id}`, { plan: 'free' })).status).toBe(200);
    const after = await emit('lead.scored', { ...scored, lead_id: 'lead_after_downgrade' });
    expect(after.deliveryIds).toEqual([]);
    const test = await stack.request('POST', `/api/v1/webhooks/${sub.id}/test`, { key: ws.secretKey });
    expect(test.status).toBe(403);
    expect(test.body.code).toBe('not_entitled');
    await new Promise((res) => setTimeout(res, 500));
    expect(r.requests).toHaveLength(1);
  });
});
