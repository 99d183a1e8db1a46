import { IngestEventModel } from '../../core/ingest/ingest-event.model';
import { IngestOutboxModel } from '../../core/ingest/ingest-outbox.model';
import { LeadModel } from '../../core/leads/lead.model';
import { orderRepository } from '../../core/orders/order.repository';
import { visitorIdentityRepository } from '../../core/visitors/visitor-identity.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { leadIdFor, orderIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import {
  acceptedCountFor,
  customs,
  emittedEvents,
  emittedFor,
  HOUR,
  ingest,
  ingestOk,
  links,
  MIN,
  pageview,
  processedEventsOf,
  roomyWorkspace,
  timelineOf,
  type Accepted,
  uniqueFingerprint,
  visitorIdOf,
  waitForEmptyOutbox,
  waitForVisitor,
} from '../support/ingest-helpers';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The ingest API end to end: HTTP in, through the outbox and the visitor's Temporal workflow,
 * to the visitor document, its timeline, leads, orders and emitted events in the database.
 */

interface BatchResult {
  success: boolean;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: Array<{ index: number; status: 'accepted' | 'duplicate' | 'rejected'; id?: string; error?: string; code?: string; details?: Record<string, string[]> }>;
}


describe('ingest API (real API, Temporal visitor workflows and database)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await roomyWorkspace(stack, 'Ingest API', { plan: 'pro' });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack?.close();
  });

  describe('each ingest type reaches the visitor', () => {
    it('pageview: 202 {success, id}, then the visitor, its attribution, timeline and processed log', async () => {
      const fp = uniqueFingerprint();
      const t0 = Date.now() - 5 * MIN;
      const url = 'https://shop.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring';
      const res = await ingest(stack, ws.publishableKey, 'pageview', pageview(fp, url, { referrer: 'https://www.google.com/', title: 'Pricing', timestamp: t0, session_id: 'sess-1', form: true }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ success: true, id: expect.stringMatching(/^ing_/) });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');

      const visitorId = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 1, 'the pageview to be applied');
      expect(visitor).toMatchObject({ workspaceId: ws.id, key: `fp:${fp}`, email: null, mergedInto: null, activityCount: 1 });
      expect(visitor.firstSeenAt?.getTime()).toBe(t0);
      expect(visitor.lastSeenAt?.getTime()).toBe(t0);
      expect(visitor.summary.sessions).toEqual([{ start: t0, end: t0, pageVisits: 1 }]);
      expect(visitor.firstTouch).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'spring', landingPage: url, referrer: 'https://www.google.com/', touchedAt: t0 });
      expect(visitor.lastTouch).toMatchObject({ source: 'newsletter', touchedAt: t0 });
      expect(visitor.acquisition).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'spring', landingPage: url, acquiredAt: t0 });

      const [entry] = await timelineOf(visitorId);
      expect(entry).toEqual({
        id: res.body.id,
        type: 'links',
        at: t0,
        title: 'Pricing',
        url,
        path: '/pricing',
        referrer: 'https://www.google.com/',
        utm: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' },
        form: true,
        sessionId: 'sess-1',
      });
      // The visitor is saved first, then the event is logged as processed and leaves the outbox.
      await waitForEmptyOutbox(ws.id);
      const processed = (await processedEventsOf(ws.id)).find((e) => e._id === res.body.id);
      expect(processed).toMatchObject({ visitorId, appliedTo: visitorId, type: 'pageview', messageId: null });
    });

    it('writes the outbox entry behind a 202 with a majority, journaled write concern (single, grouped with concurrent ones, and batch)', async () => {
      const many = jest.spyOn(IngestOutboxModel.collection, 'insertMany');
      try {
        const single = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(uniqueFingerprint(), 'https://durable.example/one'));
        const singleWrite = many.mock.calls.find(([docs]) => (docs as unknown as Array<{ _id: string }>).some((d) => d._id === single));
        expect(singleWrite?.[1]).toMatchObject({ writeConcern: { w: 'majority', j: true } });
        // Concurrent single events share one insert (group commit); each still gets its own 202.
        const concurrent = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => ingestOk(stack, ws.publishableKey, 'pageview', pageview(uniqueFingerprint(), `https://durable.example/c${n}`))));
        const writesOfThem = many.mock.calls.filter(([docs]) => (docs as unknown as Array<{ _id: string }>).some((d) => concurrent.includes(d._id)));
        expect(writesOfThem.flatMap(([docs]) => (docs as unknown as Array<{ _id: string }>).map((d) => d._id)).sort()).toEqual([...concurrent].sort());
        for (const [, options] of writesOfThem) expect(options).toMatchObject({ writeConcern: { w: 'majority', j: true } });
        const batch = await stack.request('POST', '/api/v1/ingest/batch', { key: ws.secretKey, body: { events: [1, 2].map((n) => ({ type: 'pageview', data: pageview(uniqueFingerprint(), `https://durable.example/${n}`) })) } });
        expect(batch.status).toBe(202);
        expect(many.mock.calls.at(-1)?.[1]).toMatchObject({ writeConcern: { w: 'majority', j: true } });
      } finally {
        many.mockRestore();
      }
    });

    it('event: a custom activity on the timeline that moves last-seen but is not a page visit', async () => {
      const fp = uniqueFingerprint();
      const t0 = Date.now() - 10 * MIN;
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/', { timestamp: t0 }));
      const id = await ingestOk(stack, ws.publishableKey, 'event', { visitor_fingerprint: fp, event_name: 'signup_clicked', event_data: { plan: 'team', seats: 3 }, url: 'https://shop.example.com/signup', timestamp: t0 + MIN });
      const visitorId = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(visitorId, (v) => v.activityCount === 2, 'the event to be applied');
      expect(visitor.summary.pageVisits).toBe(1);
      expect(visitor.lastSeenAt?.getTime()).toBe(t0 + MIN);
      expect(visitor.summary.lastSeen).toBe(t0 + MIN);
      expect(customs(await timelineOf(visitorId))).toEqual([
        { id, type: 'custom_activity', at: t0 + MIN, category: 'event', label: 'signup_clicked', activityIdentifier: 'https://shop.example.com/signup', metadata: { plan: 'team', seats: 3 } },
      ]);
    });

    it('event_data with dotted or $-prefixed keys is never a 500: stored as sent, or refused with 400 naming the field', async () => {
      // Analytics properties like "page.section" are common. FerretDB refuses such field names, so
      // an outbox insert that carries them must not turn into a 500 (nor, in a batch, sink the valid events).
      const variants: Array<Record<string, unknown>> = [{ 'page.section': 'pricing' }, { $currency: 'EUR' }, { nested: { 'a.b': 1 } }];
      const outcomes: string[] = [];
      for (const metadata of variants) {
        const fp = uniqueFingerprint();
        const res = await ingest(stack, ws.publishableKey, 'event', { visitor_fingerprint: fp, event_name: 'odd_keys', event_data: metadata });
        outcomes.push(`${JSON.stringify(metadata)} → ${res.status}`);
        if (res.status === 202) {
          await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/after-odd-keys'));
          const visitorId = visitorIdOf(ws, fp);
          try {
            await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 1, 'the page view after it (the pipeline is stuck otherwise)', 15_000);
            expect(customs(await timelineOf(visitorId))).toEqual([expect.objectContaining({ id: res.body.id, metadata })]);
          } finally {
            await stack.temporal.workflow.getHandle(workflowIds.visitor(ws.id, visitorId)).terminate('test cleanup').catch(() => undefined);
          }
        } else if (res.status === 400) {
          expect(Object.keys((res.body as unknown as { details?: object }).details ?? {}).some((k) => k.startsWith('data.event_data'))).toBe(true);
        }
      }
      expect(outcomes.filter((o) => !/→ (202|400)$/.test(o))).toEqual([]);
    });

    it('an event with a dotted event_data key does not sink the valid events of its batch', async () => {
      const fp = uniqueFingerprint();
      const batch = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', {
        key: ws.publishableKey,
        body: { events: [{ type: 'event', data: { visitor_fingerprint: fp, event_name: 'odd_keys', event_data: { 'page.section': 'x' } } }, { type: 'pageview', data: pageview(fp, 'https://shop.example.com/valid') }] },
      });
      expect(batch.status).toBe(202);
      expect(batch.body.results[1]).toMatchObject({ status: 'accepted' });
      await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1, 'the valid event of the batch', 15_000);
    });

    it('identify: email (lower-cased), person details, company, identity claim and lead', async () => {
      const fp = uniqueFingerprint();
      const t0 = Date.now() - 20 * MIN;
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/?utm_source=linkedin&utm_medium=social', { timestamp: t0 }));
      await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email: 'Ada.Lovelace@Engines.example', first_name: 'Ada', last_name: 'Lovelace', phone: '+44 20 1234', title: 'CTO', company_name: 'Engines Ltd', customer_id: `cust-${fp}`, timestamp: t0 + MIN });
      const visitorId = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(visitorId, (v) => v.email !== null, 'the identify to be applied');
      expect(visitor).toMatchObject({
        email: 'ada.lovelace@engines.example',
        customerId: `cust-${fp}`,
        leadId: leadIdFor(visitorId),
        person: { first_name: 'Ada', last_name: 'Lovelace', name: 'Ada Lovelace', phone: '+44 20 1234', title: 'CTO', organization: 'Engines Ltd' },
        company: { domain: 'engines.example', name: 'Engines Ltd' },
      });
      expect(visitor.identifiedAt?.getTime()).toBe(t0 + MIN);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'email', 'ada.lovelace@engines.example')).toBe(visitorId);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'customer', `cust-${fp}`)).toBe(visitorId);
      const lead = await LeadModel.findById(leadIdFor(visitorId)).lean();
      expect(lead).toMatchObject({ workspaceId: ws.id, visitorId, email: 'ada.lovelace@engines.example', fullName: 'Ada Lovelace', phone: '+44 20 1234', leadSource: 'linkedin', utmSource: 'linkedin', utmMedium: 'social', status: 'new' });
      // The API finds the person by email too.
      const byEmail = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent('ADA.LOVELACE@engines.example')}`, { key: ws.secretKey });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body).toMatchObject({ id: visitorId, email: 'ada.lovelace@engines.example', lead_id: leadIdFor(visitorId) });
    });

    it('revenue with a secret key: an attributed order (first and last touch), order.attributed delivered, a timeline entry', async () => {
      const receiver = await receivers.start();
      const sub = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url: `${receiver.url}/orders`, events: ['order.attributed'] } });
      expect(sub.status).toBe(201);

      const fp = uniqueFingerprint();
      const t0 = Date.now() - 2 * HOUR;
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/landing?utm_source=google&utm_medium=cpc&utm_campaign=brand', { timestamp: t0 }));
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/blog', { referrer: 'https://blog.partner-site.example/', timestamp: t0 + HOUR }));
      const orderRef = `order-${fp}`;
      const revenueId = await ingestOk(stack, ws.secretKey, 'revenue', { visitor_fingerprint: fp, order_id: orderRef, amount: 149.5, currency: 'eur', event_type: 'purchase', metadata: { sku: 'PRO-1' }, timestamp: t0 + HOUR + 5 * MIN });

      const visitorId = visitorIdOf(ws, fp);
      await waitForVisitor(visitorId, (v) => v.activityCount === 3, 'the revenue event to be applied');
      const order = await orderRepository.findById(orderIdFor(ws.id, orderRef));
      expect(order).toMatchObject({ workspaceId: ws.id, orderId: orderRef, visitorId, leadId: null, amount: 149.5, currency: 'EUR', eventType: 'purchase', metadata: { sku: 'PRO-1' } });
      expect(order?.orderedAt.getTime()).toBe(t0 + HOUR + 5 * MIN);
      expect(order?.firstTouch).toMatchObject({ source: 'google', medium: 'cpc', campaign: 'brand', touchedAt: t0 });
      expect(order?.lastTouch).toMatchObject({ source: 'blog.partner-site.example', medium: 'referral', touchedAt: t0 + HOUR });
      expect(customs(await timelineOf(visitorId))).toEqual([
        { id: revenueId, type: 'custom_activity', at: t0 + HOUR + 5 * MIN, category: 'revenue', label: 'purchase', activityIdentifier: orderRef, metadata: { amount: 149.5, currency: 'EUR' } },
      ]);

      const emitted = await emittedFor(orderIdFor(ws.id, orderRef), 'order.attributed');
      expect(emitted?.data).toMatchObject({
        order_id: orderRef,
        visitor_id: visitorId,
        amount: 149.5,
        currency: 'EUR',
        first_touch: { source: 'google', medium: 'cpc', utm_campaign: 'brand' },
        last_touch: { source: 'blog.partner-site.example', medium: 'referral', referrer: 'https://blog.partner-site.example/' },
      });
      const [delivered] = await receiver.waitForRequests(1);
      expect(delivered.headers['x-signalbox-event']).toBe('order.attributed');
      expect(JSON.parse(delivered.body)).toMatchObject({ id: emitted?._id, type: 'order.attributed', data: { order_id: orderRef, first_touch: { source: 'google' } } });

      // The same order again (another event, same shop order id) records no second order and emits nothing new.
      await ingestOk(stack, ws.secretKey, 'revenue', { visitor_fingerprint: fp, order_id: orderRef, amount: 149.5, currency: 'EUR', timestamp: t0 + HOUR + 6 * MIN });
      await waitForVisitor(visitorId, (v) => v.activityCount === 4, 'the repeated revenue event to be applied');
      const orders = await orderRepository.list(ws.id, { limit: 100 });
      expect(orders.filter((o) => o.orderId === orderRef)).toHaveLength(1);
      // Emitted events are stored before the visitor is saved, so this is final (deliveries may lag).
      expect((await emittedEvents(ws.id, 'order.attributed')).filter((e) => e.data.order_id === orderRef)).toHaveLength(1);
      expect(receiver.requests).toHaveLength(1);
    });

    it('revenue naming only a known email is attributed to that person', async () => {
      const fp = uniqueFingerprint();
      const email = `${fp}@buyer.example`.toLowerCase();
      const t0 = Date.now() - 3 * HOUR;
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/?utm_source=podcast', { timestamp: t0 }));
      await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email, timestamp: t0 + MIN });
      const person = visitorIdOf(ws, fp);
      await waitForVisitor(person, (v) => v.email === email, 'the buyer to be identified');

      const orderRef = `order-email-${fp}`;
      await ingestOk(stack, ws.secretKey, 'revenue', { email, order_id: orderRef, amount: 20, currency: 'USD', timestamp: t0 + HOUR });
      const order = await eventually(() => orderRepository.findById(orderIdFor(ws.id, orderRef)).then((o) => o ?? undefined), 30_000, 'the order');
      expect(order).toMatchObject({ visitorId: person, leadId: leadIdFor(person), amount: 20, currency: 'USD' });
      expect(order.firstTouch).toMatchObject({ source: 'podcast', touchedAt: t0 });
      const emailVisitor = await visitorRepository.findById(visitorIdFor(ws.id, `email:${email}`));
      expect(emailVisitor?.mergedInto).toBe(person);
    });

    it('a publishable key cannot relay a browser IP; a secret key can', async () => {
      const browser = uniqueFingerprint();
      const server = uniqueFingerprint();
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(browser, 'https://shop.example.com/', { ip: '8.8.8.8', user_agent: 'Spoofed/1.0' }));
      await ingestOk(stack, ws.secretKey, 'pageview', pageview(server, 'https://shop.example.com/', { ip: '8.8.4.4' }));
      const fromBrowser = await waitForVisitor(visitorIdOf(ws, browser), (v) => v.summary.pageVisits === 1);
      const fromServer = await waitForVisitor(visitorIdOf(ws, server), (v) => v.summary.pageVisits === 1);
      expect(fromBrowser.acquisition?.landingIp).not.toBe('8.8.8.8');
      expect(fromBrowser.acquisition?.landingIp).toMatch(/127\.0\.0\.1|::1/);
      expect(fromServer.acquisition?.landingIp).toBe('8.8.4.4');
    });
  });

  describe('authentication', () => {
    const body = () => ({ type: 'pageview', data: pageview(uniqueFingerprint(), 'https://shop.example.com/auth') });

    it('takes the token from X-API-Token, X-API-Key, Authorization (Bearer or Token) or the body', async () => {
      const variants: Array<{ name: string; headers?: Record<string, string>; bodyToken?: string }> = [
        { name: 'X-API-Token', headers: { 'x-api-token': ws.publishableKey } },
        { name: 'X-API-Key', headers: { 'x-api-key': ws.publishableKey } },
        { name: 'Bearer', headers: { authorization: `Bearer ${ws.publishableKey}` } },
        { name: 'Token', headers: { authorization: `Token ${ws.secretKey}` } },
        { name: 'body token', bodyToken: ws.publishableKey },
      ];
      for (const v of variants) {
        const payload = { ...body(), ...(v.bodyToken ? { token: v.bodyToken } : {}) };
        const res = await stack.request<Accepted>('POST', '/api/v1/ingest', { headers: v.headers, body: payload });
        expect({ variant: v.name, status: res.status, success: res.body.success }).toEqual({ variant: v.name, status: 202, success: true });
        const visitorId = visitorIdOf(ws, payload.data.visitor_fingerprint as string);
        await waitForVisitor(visitorId, (d) => d.summary.pageVisits === 1, `the event sent with ${v.name}`);
      }
    });

    it('records when an ingest-only key was last used, and shows the tighter of the key and IP limits', async () => {
      const fresh = await stack.createWorkspace('Ingest API key use');
      const res = await stack.request<Accepted>('POST', '/api/v1/ingest', { key: fresh.publishableKey, body: body() });
      expect(res.status).toBe(202);
      // The per-IP limit (2,000/h by default) is far tighter than the per-key one here.
      expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(stack.config.INGEST_IP_RATE_LIMIT_PER_HOUR);
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(stack.config.INGEST_IP_RATE_LIMIT_PER_HOUR));
      const keyEntry = async () => {
        const keys = (await stack.admin('GET', `/workspaces/${fresh.id}/keys`)).body.data as Array<{ kind: string; lastUsedAt: string | null }>;
        return keys.find((k) => k.kind === 'publishable')?.lastUsedAt ?? undefined;
      };
      expect(await eventually(keyEntry, 10_000, 'lastUsedAt of the publishable key')).toEqual(expect.any(String));
    });

    it('answers 401 for a missing, malformed or unknown token and stores nothing', async () => {
      const sentTo: string[] = [];
      const unknownKey = ws.publishableKey.slice(0, -1) + (ws.publishableKey.endsWith('a') ? 'b' : 'a');
      const cases: Array<{ name: string; headers?: Record<string, string>; token?: string }> = [
        { name: 'missing' },
        { name: 'malformed header', headers: { 'x-api-token': 'not-a-key' } },
        { name: 'unknown key', headers: { authorization: `Bearer ${unknownKey}` } },
        { name: 'unknown body token', token: unknownKey },
        { name: 'empty body token', token: '' },
      ];
      for (const c of cases) {
        const payload = body();
        sentTo.push(visitorIdOf(ws, payload.data.visitor_fingerprint as string));
        const res = await stack.request('POST', '/api/v1/ingest', { headers: c.headers, body: { ...payload, ...(c.token !== undefined ? { token: c.token } : {}) } });
        expect({ case: c.name, status: res.status, code: res.body.code }).toEqual({ case: c.name, status: 401, code: 'unauthorized' });
        expect(typeof res.body.error).toBe('string');
      }
      const batchEvent = body();
      sentTo.push(visitorIdOf(ws, batchEvent.data.visitor_fingerprint as string));
      const batch = await stack.request('POST', '/api/v1/ingest/batch', { body: { events: [batchEvent] } });
      expect(batch.status).toBe(401);
      expect(await IngestOutboxModel.countDocuments({ visitorId: { $in: sentTo } })).toBe(0);
      expect(await IngestEventModel.countDocuments({ visitorId: { $in: sentTo } })).toBe(0);
    });

    it('refuses revenue from a publishable key with 403 "Revenue events require a secret key", alone and in a batch', async () => {
      const fp = uniqueFingerprint();
      const revenue = { visitor_fingerprint: fp, order_id: `pk-${fp}`, amount: 10, currency: 'USD' };
      const res = await ingest(stack, ws.publishableKey, 'revenue', revenue);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'Revenue events require a secret key', code: 'forbidden' });

      const batch = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [{ type: 'revenue', data: revenue }, { type: 'pageview', data: pageview(fp, 'https://shop.example.com/') }] } });
      expect(batch.status).toBe(202);
      expect(batch.body.results[0]).toMatchObject({ index: 0, status: 'rejected', code: 'forbidden', error: 'Revenue events require a secret key' });
      expect(batch.body.results[1]).toMatchObject({ index: 1, status: 'accepted' });
      await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1);
      expect(await orderRepository.findById(orderIdFor(ws.id, `pk-${fp}`))).toBeNull();
    });
  });

  describe('deduplication by messageId', () => {
    it('answers a repeated messageId 202 duplicate with the same id, and applies it once', async () => {
      const fp = uniqueFingerprint();
      const messageId = `msg-${fp}`;
      const event = pageview(fp, 'https://shop.example.com/once', { timestamp: Date.now() - MIN });
      const first = await ingest(stack, ws.publishableKey, 'pageview', event, { messageId });
      const second = await ingest(stack, ws.publishableKey, 'pageview', event, { messageId });
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ success: true, id: expect.stringMatching(/^ing_/) });
      expect(second.status).toBe(202);
      expect(second.body).toEqual({ success: true, id: first.body.id, duplicate: true });

      const visitorId = visitorIdOf(ws, fp);
      await waitForVisitor(visitorId, (v) => v.summary.pageVisits >= 1, 'the first copy to be applied');
      // After it was applied (and left the outbox), a third copy is still a duplicate.
      await eventually(async () => ((await processedEventsOf(ws.id)).some((e) => e._id === first.body.id) ? true : undefined), 10_000, 'the processed log entry');
      const third = await ingest(stack, ws.publishableKey, 'pageview', event, { messageId });
      expect(third.body).toEqual({ success: true, id: first.body.id, duplicate: true });
      // In a batch as well, and twice in the same batch.
      const batch = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [{ type: 'pageview', data: event, messageId }] } });
      expect(batch.status).toBe(202);
      expect(batch.body).toMatchObject({ success: true, accepted: 0, duplicates: 1, rejected: 0, results: [{ index: 0, status: 'duplicate', id: first.body.id }] });

      // A later event of the same visitor is applied after anything sent before it: by then a second copy would show.
      await ingestOk(stack, ws.publishableKey, 'event', { visitor_fingerprint: fp, event_name: 'marker' });
      const visitor = await waitForVisitor(visitorId, (v) => v.activityCount === 2, 'the marker event');
      expect(visitor.summary.pageVisits).toBe(1);
      expect(links(await timelineOf(visitorId)).map((a) => a.id)).toEqual([first.body.id]);
      expect((await processedEventsOf(ws.id)).filter((e) => e.messageId === messageId)).toHaveLength(1);
    });

    it('the same messageId twice in one batch is applied once; another workspace may reuse it', async () => {
      const fp = uniqueFingerprint();
      const messageId = `batch-msg-${fp}`;
      const event = { type: 'pageview', data: pageview(fp, 'https://shop.example.com/batch-dupe'), messageId };
      const res = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [event, event] } });
      expect(res.status).toBe(202);
      expect(res.body.results[1].id).toBe(res.body.results[0].id);
      expect(res.body.results[1].status).toBe('duplicate');

      const other = await roomyWorkspace(stack, 'Ingest API other tenant');
      const elsewhere = await ingest(stack, other.publishableKey, 'pageview', event.data, { messageId });
      expect(elsewhere.status).toBe(202);
      expect(elsewhere.body.duplicate).toBeUndefined();
      expect(elsewhere.body.id).not.toBe(res.body.results[0].id);

      await ingestOk(stack, ws.publishableKey, 'event', { visitor_fingerprint: fp, event_name: 'marker' });
      const visitor = await waitForVisitor(visitorIdOf(ws, fp), (v) => v.activityCount === 2, 'the marker event');
      expect(visitor.summary.pageVisits).toBe(1);
      await waitForVisitor(visitorIdOf(other, fp), (v) => v.summary.pageVisits === 1, 'the other tenant');
    });

    it('reports the first copy of a messageId repeated within one batch as accepted, not as a duplicate', async () => {
      // The event IS stored and applied once; the per-index result must say so.
      const fp = uniqueFingerprint();
      const event = { type: 'pageview', data: pageview(fp, 'https://shop.example.com/batch-status'), messageId: `batch-status-${fp}` };
      const res = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [event, event] } });
      expect(res.status).toBe(202);
      await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1, 'the event to be applied');
      expect(res.body.results.map((r) => r.status)).toEqual(['accepted', 'duplicate']);
      expect(res.body).toMatchObject({ success: true, accepted: 1, duplicates: 1, rejected: 0 });
    });
  });

  describe('batches', () => {
    it('validates each event on its own: per-index results, field-keyed details, and the accepted ones applied', async () => {
      const fp = uniqueFingerprint();
      const t0 = Date.now() - 30 * MIN;
      const events = [
        { type: 'pageview', data: pageview(fp, 'https://shop.example.com/a', { timestamp: t0 }) },
        { type: 'pageview', data: pageview(fp, 'not a url', { timestamp: t0 + 1 }) },
        { type: 'event', data: { visitor_fingerprint: fp, event_name: 'clicked', timestamp: t0 + 2 } },
        { type: 'teleport', data: { visitor_fingerprint: fp } },
        { type: 'identify', data: { visitor_fingerprint: fp, name: 'No Identity' } },
        42,
        { type: 'pageview', data: pageview(fp, 'https://shop.example.com/b', { bogus: true }) },
        { type: 'pageview', data: pageview(fp, 'https://shop.example.com/c', { timestamp: '2026-01-01' }) },
        { type: 'identify', data: { visitor_fingerprint: fp, email: 'not-an-email' } },
        { type: 'pageview', data: pageview(fp, 'https://shop.example.com/d', { timestamp: t0 + 3 }) },
      ];
      const res = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ success: true, accepted: 3, duplicates: 0, rejected: 7 });
      expect(res.body.results.map((r) => [r.index, r.status])).toEqual(events.map((_, i) => [i, [0, 2, 9].includes(i) ? 'accepted' : 'rejected']));
      const detailsOf = (i: number) => res.body.results[i].details ?? {};
      for (const i of [1, 3, 4, 5, 6, 7, 8]) expect(res.body.results[i]).toMatchObject({ status: 'rejected', code: 'validation_failed', error: expect.any(String) });
      expect(Object.keys(detailsOf(1))).toEqual(['data.url']);
      expect(Object.keys(detailsOf(3))).toEqual(['type']);
      expect(Object.keys(detailsOf(4))).toEqual(['data.customer_id']);
      expect(Object.keys(detailsOf(5)).length).toBeGreaterThan(0);
      expect(detailsOf(6)).toEqual({ 'data.bogus': ['Unknown field'] });
      expect(Object.keys(detailsOf(7))).toEqual(['data.timestamp']);
      expect(Object.keys(detailsOf(8))).toEqual(['data.email']);
      for (const i of [0, 2, 9]) expect(res.body.results[i].id).toMatch(/^ing_/);

      const visitorId = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(visitorId, (v) => v.activityCount === 3, 'the accepted events');
      expect(visitor.summary.pageVisits).toBe(2);
      expect(visitor.email).toBeNull();
      const timeline = await timelineOf(visitorId);
      expect(timeline.map((a) => a.id).sort()).toEqual([0, 2, 9].map((i) => res.body.results[i].id).sort());
      expect(links(timeline).map((a) => a.url).sort()).toEqual(['https://shop.example.com/a', 'https://shop.example.com/d']);
    });

    it('answers 400 with every item rejected when no event is valid, and stores nothing', async () => {
      const fp = uniqueFingerprint();
      const res = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', {
        key: ws.publishableKey,
        body: { events: [{ type: 'pageview', data: { url: 'https://shop.example.com/' } }, { type: 'event', data: { visitor_fingerprint: fp } }] },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, accepted: 0, duplicates: 0, rejected: 2 });
      expect(res.body.results[0].details).toHaveProperty(['data.visitor_fingerprint']);
      expect(res.body.results[1].details).toHaveProperty(['data.event_name']);
      expect(await IngestOutboxModel.countDocuments({ visitorId: visitorIdOf(ws, fp) })).toBe(0);
    });

    it('refuses an empty batch, a batch of more than 500 events (400) and one over 500 KB (413), with clear messages', async () => {
      const empty = await stack.request('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [] } });
      expect(empty.status).toBe(400);
      expect(empty.body.details).toHaveProperty('events');

      const fp = uniqueFingerprint();
      const small = { type: 'pageview', data: pageview(fp, 'https://shop.example.com/') };
      const tooMany = await stack.request('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: Array.from({ length: 501 }, () => small) } });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({ code: 'validation_failed', details: { events: [expect.stringContaining('500')] } });

      const big = { type: 'event', data: { visitor_fingerprint: fp, event_name: 'big', event_data: { blob: 'x'.repeat(30_000) } } };
      const tooBig = await stack.request('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: Array.from({ length: 20 }, () => big) } });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body).toMatchObject({ code: 'payload_too_large', error: expect.stringMatching(/\d/) });

      // Exactly 500 events pass the limits. (Copies of one already-applied message, so the pipeline has no work.)
      const messageId = `full-${fp}`;
      const firstId = await ingestOk(stack, ws.publishableKey, 'pageview', small.data, { messageId });
      await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1, 'the first copy');
      const full = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: Array.from({ length: 500 }, () => ({ ...small, messageId })) } });
      expect(full.status).toBe(202);
      expect(full.body).toMatchObject({ success: true, accepted: 0, duplicates: 500, rejected: 0 });
      expect(new Set(full.body.results.map((r) => r.id))).toEqual(new Set([firstId]));
    });

    it('rejects a single event over 32 KB with 413, alone and as a batch item', async () => {
      const fp = uniqueFingerprint();
      const big = { visitor_fingerprint: fp, event_name: 'big', event_data: { blob: 'x'.repeat(33 * 1024) } };
      const res = await ingest(stack, ws.publishableKey, 'event', big);
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'payload_too_large', error: expect.stringContaining('32 KB') });

      const batch = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [{ type: 'event', data: big }, { type: 'event', data: { ...big, event_data: { small: true } } }] } });
      expect(batch.status).toBe(202);
      expect(batch.body.results[0]).toMatchObject({ status: 'rejected', code: 'payload_too_large' });
      expect(batch.body.results[1]).toMatchObject({ status: 'accepted' });
      const visitor = await waitForVisitor(visitorIdOf(ws, fp), (v) => v.activityCount === 1);
      expect(customs(await timelineOf(visitor._id))[0].metadata).toEqual({ small: true });
    });
  });

  describe('timestamps', () => {
    it('corrects a skewed client clock with sentAt: timestamp = receivedAt − (sentAt − timestamp)', async () => {
      const fp = uniqueFingerprint();
      const skew = 2 * HOUR; // the client's clock runs two hours fast
      const before = Date.now();
      const clientNow = before + skew;
      const id = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/skew', { timestamp: clientNow - 10 * MIN }), { sentAt: clientNow });
      const after = Date.now();
      const visitorId = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 1);
      const [entry] = await timelineOf(visitorId);
      expect(entry.id).toBe(id);
      expect(entry.at).toBeGreaterThanOrEqual(before - 10 * MIN);
      expect(entry.at).toBeLessThanOrEqual(after - 10 * MIN);
      expect(visitor.firstSeenAt?.getTime()).toBe(entry.at);
      expect(visitor.summary.sessions[0].start).toBe(entry.at);
    });

    it('also with an ISO sentAt on a batch, and uses the timestamp as-is without sentAt, the receive time without a timestamp', async () => {
      const fp = uniqueFingerprint();
      const skew = -3 * HOUR; // this client's clock is three hours slow
      const before = Date.now();
      const clientNow = before + skew;
      const res = await stack.request<BatchResult>('POST', '/api/v1/ingest/batch', {
        key: ws.publishableKey,
        body: {
          sentAt: new Date(clientNow).toISOString(),
          events: [
            { type: 'pageview', data: pageview(fp, 'https://shop.example.com/one', { timestamp: clientNow - 20 * MIN }) },
            { type: 'pageview', data: pageview(fp, 'https://shop.example.com/two', { timestamp: clientNow - 5 * MIN }) },
          ],
        },
      });
      const after = Date.now();
      expect(res.status).toBe(202);
      const exact = Date.now() - 6 * HOUR;
      const asIs = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/as-is', { timestamp: exact }));
      const noTsBefore = Date.now();
      const received = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/now'));
      const noTsAfter = Date.now();

      const visitorId = visitorIdOf(ws, fp);
      await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 4);
      const byUrl = new Map(links(await timelineOf(visitorId)).map((a) => [a.url, a]));
      // ISO 8601 has millisecond precision, so the correction is exact to the millisecond window of the request.
      const one = byUrl.get('https://shop.example.com/one')?.at as number;
      const two = byUrl.get('https://shop.example.com/two')?.at as number;
      expect(one).toBeGreaterThanOrEqual(before - 20 * MIN);
      expect(one).toBeLessThanOrEqual(after - 20 * MIN);
      expect(two - one).toBe(15 * MIN);
      expect(byUrl.get('https://shop.example.com/as-is')).toMatchObject({ id: asIs, at: exact });
      const now = byUrl.get('https://shop.example.com/now');
      expect(now?.id).toBe(received);
      expect(now?.at).toBeGreaterThanOrEqual(noTsBefore);
      expect(now?.at).toBeLessThanOrEqual(noTsAfter);
    });
  });

  describe('browsers', () => {
    it('answers the CORS preflight with 204 and Access-Control-Allow-Origin *', async () => {
      for (const path of ['/api/v1/ingest', '/api/v1/ingest/batch']) {
        const res = await fetch(stack.url + path, {
          method: 'OPTIONS',
          headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-token' },
        });
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-methods')).toContain('POST');
        expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-token');
        expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
        expect(await res.text()).toBe('');
      }
    });

    it('accepts a text/plain JSON body with the token inside (navigator.sendBeacon)', async () => {
      const fp = uniqueFingerprint();
      const res = await fetch(`${stack.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example.com' },
        body: JSON.stringify({ type: 'pageview', token: ws.publishableKey, data: pageview(fp, 'https://shop.example.com/beacon', { title: 'Beacon' }) }),
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await res.json()) as Accepted;
      const visitorId = visitorIdOf(ws, fp);
      await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 1, 'the beacon pageview');
      expect(links(await timelineOf(visitorId))).toEqual([expect.objectContaining({ id: body.id, url: 'https://shop.example.com/beacon', title: 'Beacon' })]);

      const batch = await fetch(`${stack.url}/api/v1/ingest/batch`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ token: ws.publishableKey, events: [{ type: 'pageview', data: pageview(fp, 'https://shop.example.com/beacon-2') }] }),
      });
      expect(batch.status).toBe(202);
      await waitForVisitor(visitorId, (v) => v.summary.pageVisits === 2, 'the beacon batch');
    });
  });

  describe('validation', () => {
    it('answers bad input with 4xx and field-level details, never 500', async () => {
      const fp = uniqueFingerprint();
      const cases: Array<{ name: string; body?: unknown; raw?: string; contentType?: string; status: number; field?: string }> = [
        { name: 'no type', body: { data: pageview(fp, 'https://shop.example.com/') }, status: 400, field: 'type' },
        { name: 'unknown type', body: { type: 'click', data: {} }, status: 400, field: 'type' },
        { name: 'no data', body: { type: 'pageview' }, status: 400, field: 'data' },
        { name: 'data is a string', body: { type: 'pageview', data: 'x' }, status: 400, field: 'data' },
        { name: 'data is an array', body: { type: 'pageview', data: [] }, status: 400, field: 'data' },
        { name: 'unknown envelope field', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/'), extra: 1 }, status: 400, field: 'extra' },
        { name: 'missing fingerprint', body: { type: 'pageview', data: { url: 'https://shop.example.com/' } }, status: 400, field: 'data.visitor_fingerprint' },
        { name: 'empty fingerprint', body: { type: 'pageview', data: pageview('   ', 'https://shop.example.com/') }, status: 400, field: 'data.visitor_fingerprint' },
        { name: 'javascript: url', body: { type: 'pageview', data: pageview(fp, 'javascript:alert(1)') }, status: 400, field: 'data.url' },
        { name: 'relative url', body: { type: 'pageview', data: pageview(fp, '/pricing') }, status: 400, field: 'data.url' },
        { name: 'path without slash', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/', { path: 'pricing' }) }, status: 400, field: 'data.path' },
        { name: 'timestamp in seconds', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/', { timestamp: Math.floor(Date.now() / 1000) }) }, status: 400, field: 'data.timestamp' },
        { name: 'fractional timestamp', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/', { timestamp: 1.5e12 + 0.5 }) }, status: 400, field: 'data.timestamp' },
        { name: 'sentAt garbage', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/'), sentAt: 'yesterday' }, status: 400, field: 'sentAt' },
        { name: 'bad ip', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/', { ip: '999.1.1.1' }) }, status: 400, field: 'data.ip' },
        { name: 'event without name', body: { type: 'event', data: { visitor_fingerprint: fp } }, status: 400, field: 'data.event_name' },
        { name: 'event_data not an object', body: { type: 'event', data: { visitor_fingerprint: fp, event_name: 'x', event_data: 'y' } }, status: 400, field: 'data.event_data' },
        { name: 'identify without identity', body: { type: 'identify', data: { visitor_fingerprint: fp } }, status: 400, field: 'data.customer_id' },
        { name: 'identify bad email', body: { type: 'identify', data: { visitor_fingerprint: fp, email: 'a@' } }, status: 400, field: 'data.email' },
        { name: 'messageId empty', body: { type: 'pageview', data: pageview(fp, 'https://shop.example.com/'), messageId: '' }, status: 400, field: 'messageId' },
        { name: 'body is an array', body: [{ type: 'pageview' }], status: 400 },
        { name: 'body is a number', raw: '42', status: 400 },
        { name: 'malformed JSON', raw: '{"type":', status: 400 },
        { name: 'form encoded', raw: 'type=pageview', contentType: 'application/x-www-form-urlencoded', status: 415 },
      ];
      const secretCases: typeof cases = [
        { name: 'revenue negative amount', body: { type: 'revenue', data: { visitor_fingerprint: fp, order_id: 'o', amount: -1, currency: 'USD' } }, status: 400, field: 'data.amount' },
        { name: 'revenue bad currency', body: { type: 'revenue', data: { visitor_fingerprint: fp, order_id: 'o', amount: 1, currency: 'dollars' } }, status: 400, field: 'data.currency' },
        { name: 'revenue without buyer', body: { type: 'revenue', data: { order_id: 'o', amount: 1, currency: 'USD' } }, status: 400, field: 'data.visitor_fingerprint' },
        { name: 'revenue amount as string', body: { type: 'revenue', data: { visitor_fingerprint: fp, order_id: 'o', amount: '1', currency: 'USD' } }, status: 400, field: 'data.amount' },
      ];
      const send = (c: (typeof cases)[number], key: string) =>
        c.raw !== undefined
          ? stack.request('POST', '/api/v1/ingest', { key, rawBody: c.raw, headers: { 'content-type': c.contentType ?? 'application/json' } })
          : stack.request('POST', '/api/v1/ingest', { key, body: c.body });
      for (const [c, key] of [...cases.map((c) => [c, ws.publishableKey] as const), ...secretCases.map((c) => [c, ws.secretKey] as const)]) {
        const res = await send(c, key);
        expect({ case: c.name, status: res.status }).toEqual({ case: c.name, status: c.status });
        expect(typeof res.body?.error).toBe('string');
        if (c.field) expect({ case: c.name, fields: Object.keys(res.body.details ?? {}) }).toEqual({ case: c.name, fields: expect.arrayContaining([c.field]) });
      }
      // The batch endpoint, too, for malformed envelopes.
      for (const body of [{}, { events: 'x' }, { events: [{}], extra: true }, { events: [null] }]) {
        const res = await stack.request('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body });
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      // Nothing of the above was accepted (the outbox and the processed log are written before a 202).
      expect(await acceptedCountFor(visitorIdOf(ws, fp))).toBe(0);
      expect(await visitorRepository.findById(visitorIdOf(ws, fp))).toBeNull();
    });
  });

  describe('tenant isolation', () => {
    it('the same fingerprint (and email) in two workspaces are two separate visitors', async () => {
      const other = await roomyWorkspace(stack, 'Ingest API tenant B');
      const fp = uniqueFingerprint('shared');
      const email = `${fp}@tenant.example`.toLowerCase();
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://a.example.com/?utm_source=a'));
      await ingestOk(stack, other.publishableKey, 'pageview', pageview(fp, 'https://b.example.com/?utm_source=b'));
      await ingestOk(stack, other.publishableKey, 'pageview', pageview(fp, 'https://b.example.com/2'));
      await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email });
      await ingestOk(stack, other.publishableKey, 'identify', { visitor_fingerprint: fp, email });

      const idA = visitorIdOf(ws, fp);
      const idB = visitorIdOf(other, fp);
      expect(idA).not.toBe(idB);
      const a = await waitForVisitor(idA, (v) => v.email === email);
      const b = await waitForVisitor(idB, (v) => v.email === email);
      expect(a).toMatchObject({ workspaceId: ws.id, mergedInto: null, mergedVisitorIds: [], summary: { pageVisits: 1 }, firstTouch: { source: 'a' } });
      expect(b).toMatchObject({ workspaceId: other.id, mergedInto: null, mergedVisitorIds: [], summary: { pageVisits: 2 }, firstTouch: { source: 'b' } });
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'email', email)).toBe(idA);
      expect(await visitorIdentityRepository.ownerOf(other.id, 'email', email)).toBe(idB);
      expect(await LeadModel.countDocuments({ email })).toBe(2);

      // Each workspace's API sees only its own visitor.
      expect((await stack.request('GET', `/api/v1/visitors/${idA}`, { key: other.secretKey })).status).toBe(404);
      expect((await stack.request('GET', `/api/v1/visitors/${idB}`, { key: ws.secretKey })).status).toBe(404);
      expect((await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(email)}`, { key: other.secretKey })).body.id).toBe(idB);
      expect((await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(email)}`, { key: ws.secretKey })).body.id).toBe(idA);
    });
  });
});

describe('per-IP ingest limit for publishable keys', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  beforeAll(async () => {
    stack = await startTestStack({ env: { INGEST_IP_RATE_LIMIT_PER_HOUR: '3' } });
    ws = await roomyWorkspace(stack, 'Ingest IP limit');
  });
  afterAll(async () => stack?.close());

  it('answers the 4th publishable request from one IP with 429 and Retry-After, while a secret key still passes', async () => {
    const fp = uniqueFingerprint();
    for (let i = 1; i <= 3; i++) {
      const res = await ingest(stack, ws.publishableKey, 'pageview', pageview(fp, `https://shop.example.com/${i}`));
      expect(res.status).toBe(202);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(3 - i));
    }
    const limited = await ingest(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://shop.example.com/4'));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited', error: expect.any(String) });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    // Browsers read Retry-After only when CORS exposes it.
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')).toContain('Retry-After');
    // The batch endpoint shares the limit.
    expect((await stack.request('POST', '/api/v1/ingest/batch', { key: ws.publishableKey, body: { events: [{ type: 'pageview', data: pageview(fp, 'https://shop.example.com/5') }] } })).status).toBe(429);

    const secret = await ingest(stack, ws.secretKey, 'pageview', pageview(fp, 'https://shop.example.com/server'));
    expect(secret.status).toBe(202);

    const visitor = await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 4, 'the accepted events');
    const urls = links(await timelineOf(visitor._id)).map((a) => a.url).sort();
    expect(urls).toEqual(['https://shop.example.com/1', 'https://shop.example.com/2', 'https://shop.example.com/3', 'https://shop.example.com/server']);
  });
});
