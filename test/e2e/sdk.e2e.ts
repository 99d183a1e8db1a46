/**
 * The server SDK (sdk/) against the real stack: ingest, identify and revenue with a secret key,
 * retries with the same messageId, the read API, identity hashes the API accepts, and webhook
 * verification of a real delivery.
 */
import { createSignalbox, identityHash, SignalboxError, verifyWebhook } from '../../sdk/src';
import { ReceiverPool } from '../support/receiver';
import { ingest, roomyWorkspace, uniqueFingerprint } from '../support/ingest-helpers';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

describe('the server SDK (real API, Temporal and database)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await roomyWorkspace(stack, 'SDK');
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack?.close();
  });

  it('ingests page views, identify and revenue, reads them back, and its lead.created webhook verifies', async () => {
    const receiver = await receivers.start();
    const sb = createSignalbox({ baseUrl: `${stack.url}/`, apiKey: ws.secretKey });
    const hook = await sb.api.POST('/api/v1/webhooks', { body: { url: `${receiver.url}/hook`, events: ['lead.created'] } });
    expect(hook.response.status).toBe(201);
    const secret = (hook.data as { secret: string }).secret;

    const fp = uniqueFingerprint('sdk');
    const email = `sdk.${fp.toLowerCase()}@acme.example`;
    const first = await sb.pageview({ visitor_fingerprint: fp, url: 'https://acme.example/pricing?utm_source=partner&utm_medium=referral', title: 'Pricing' });
    expect(first).toEqual({ success: true, id: expect.stringMatching(/^ing_/) });
    const batch = await sb.ingestBatch([
      { type: 'event', data: { visitor_fingerprint: fp, event_name: 'demo_requested', event_data: { seats: 12 } } },
      { type: 'identify', data: { visitor_fingerprint: fp, email, name: 'Sam Sdk' } },
      { type: 'revenue', data: { visitor_fingerprint: fp, order_id: `ord_${fp}`, amount: 99.5, currency: 'eur' } },
    ]);
    expect(batch).toMatchObject({ accepted: 3, duplicates: 0, rejected: 0 });
    // A repeated messageId is applied once.
    const again = await sb.track({ visitor_fingerprint: fp, event_name: 'demo_requested' }, { messageId: 'sdk-msg-1' });
    expect(again.duplicate).toBeUndefined();
    expect(await sb.track({ visitor_fingerprint: fp, event_name: 'demo_requested' }, { messageId: 'sdk-msg-1' })).toMatchObject({ duplicate: true });

    const visitor = await eventually(async () => {
      const v = await sb.visitors.get(email).catch(() => undefined);
      return v && v.lead_id ? v : undefined;
    }, 30_000, 'the identified visitor');
    expect(visitor).toMatchObject({ email, person_details: expect.objectContaining({ name: 'Sam Sdk' }), acquisition_details: expect.objectContaining({ source: 'partner', medium: 'referral' }) });
    const orders = await eventually(async () => {
      const page = await sb.orders.list({ limit: 10 });
      return page.data.length ? page : undefined;
    });
    expect(orders.data[0]).toMatchObject({ amount: 99.5, currency: 'EUR' });
    expect((await sb.leads.list({ limit: 10 })).data.map((l) => l.email)).toContain(email);
    expect((await sb.visitors.activities(email)).data.length).toBeGreaterThanOrEqual(2);
    expect((await sb.visitors.attribution(email)).attribution_details).toMatchObject({ first_touch_utm_parameters: { utm_source: 'partner' } });

    const [delivery] = await receiver.waitForRequests(1);
    const event = verifyWebhook(secret, delivery.body, delivery.headers);
    expect(event).toMatchObject({ type: 'lead.created', data: expect.objectContaining({ email }) });
    expect(() => verifyWebhook(secret, delivery.body.replace(email, 'mallory@evil.example'), delivery.headers)).toThrow();
  });

  it('throws SignalboxError with the field details, and retries a 429 after Retry-After with the same messageId', async () => {
    const sb = createSignalbox({ baseUrl: stack.url, apiKey: ws.secretKey });
    const err = await sb.pageview({ visitor_fingerprint: 'fp_bad', url: 'not a url' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignalboxError);
    expect(err).toMatchObject({ status: 400, code: 'validation_failed', details: { 'data.url': expect.any(Array) } });

    const sent: { at: number; messageId: string }[] = [];
    const flaky: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      sent.push({ at: Date.now(), messageId: JSON.parse(await request.clone().text()).messageId });
      if (sent.length === 1) return new Response('{"error":"Rate limited","code":"rate_limited"}', { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' } });
      return fetch(request);
    };
    const retrying = createSignalbox({ baseUrl: stack.url, apiKey: ws.secretKey, fetch: flaky });
    expect(await retrying.track({ visitor_fingerprint: 'fp_retry', event_name: 'retried' })).toMatchObject({ success: true });
    expect(sent).toHaveLength(2);
    expect(sent[1].messageId).toBe(sent[0].messageId);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(950);
  });

  it('makes the user_hash a browser identify needs (email lower-cased, as the API stores it)', async () => {
    const { secret } = (await stack.request('GET', '/api/v1/identity-verification', { key: ws.secretKey })).body as { secret: string };
    const email = 'Casey.Mixed@Acme.example';
    const ok = await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: uniqueFingerprint('idv'), email, user_hash: identityHash(secret, { email }) });
    expect(ok.status).toBe(202);
    const byCustomer = await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: uniqueFingerprint('idv'), customer_id: 'cus_9', user_hash: identityHash(secret, { customer_id: 'cus_9' }) });
    expect(byCustomer.status).toBe(202);
    const wrong = await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: uniqueFingerprint('idv'), email, user_hash: identityHash('idv_wrong', { email }) });
    expect(wrong.status).toBe(400);
  });
});
