import { createServer, type Server, type Socket } from 'node:net';
import { WebhookSubscriptionModel } from '../../core/webhooks/webhook-subscription.model';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * SSRF protection with ALLOW_PRIVATE_WEBHOOK_TARGETS off (the production default).
 *
 * Nothing here sends traffic off loopback: every refused URL is refused before any DNS lookup
 * or connection (scheme, credentials, IP literal, internal name), the accepted "public" target
 * is an IP literal that is never delivered to (its stored URL is rewritten before any event is
 * emitted), and the delivery-time cases point at receivers on 127.0.0.1.
 */
const REFUSED_URLS = [
  'http://example.com/x',
  'https://127.0.0.1/',
  'https://2130706433/',
  'https://0x7f000001/',
  'https://0177.0.0.1/',
  'https://127.1/',
  'https://[::1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://169.254.169.254/latest/meta-data',
  'https://[fd00:ec2::254]/',
  'https://10.0.0.1/',
  'https://192.168.1.10/',
  'https://100.64.0.1/',
  'https://0.0.0.0/',
  'https://localhost/',
  'https://metadata.google.internal/',
  'https://user:pw@example.com/',
];
/** Public-looking IP literals: accepted at save time without a DNS lookup; never contacted. */
const PUBLIC_IPV4_TARGET = 'https://93.184.215.14/hook';
const PUBLIC_IPV6_TARGET = 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook';

const leadCreated = {
  id: 'lead_ssrf',
  visitor_id: null,
  full_name: 'Sam Example',
  email: 'sam@example.com',
  phone: null,
  lead_source: 'api',
  utm_source: null,
  utm_medium: null,
  utm_campaign: null,
  status: 'new',
  value: null,
  created_at: '2026-04-20T18:30:15.000Z',
};

/** A bare TCP listener on 127.0.0.1 that counts connections: proof that nothing even connected. */
async function startTcpTap(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tap has no port');
  return {
    port: address.port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('webhook SSRF protection at save time and at delivery time (private targets not allowed)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();
  const receiver = () => receivers.start();

  beforeAll(async () => {
    stack = await startTestStack({ env: { ALLOW_PRIVATE_WEBHOOK_TARGETS: 'false', WEBHOOK_RETRY_SCHEDULE: '0s', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
    expect(stack.config.ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(false);
  });
  // Each test gets its own workspace, so an event only ever reaches that test's subscriptions.
  beforeEach(async () => {
    ws = await stack.createWorkspace((expect.getState().currentTestName ?? 'SSRF').slice(0, 200), { rateLimits: { perMinute: 10_000 } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const call = <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  const listIds = async () => (await call<{ data: Array<{ id: string }> }>('GET', '/webhooks')).body.data.map((s) => s.id);
  const expectRefused = (res: ApiResponse, field: string, url: string) => {
    expect({ url, status: res.status, code: res.body?.code }).toEqual({ url, status: 400, code: 'validation_failed' });
    expect({ url, reasons: res.body.details?.[field] }).toEqual({ url, reasons: [expect.any(String)] });
  };

  describe('save time', () => {
    it.each(REFUSED_URLS)('POST /webhooks refuses %s with 400 details.url', async (url) => {
      expectRefused(await call('POST', '/webhooks', { url, events: ['lead.created'] }), 'url', url);
    });

    it("refuses the same targets in Zapier's target_url, with details.target_url", async () => {
      for (const url of REFUSED_URLS) expectRefused(await call('POST', '/webhooks', { target_url: url, event: 'lead.created' }), 'target_url', url);
      expect(await listIds()).toEqual([]);
    });

    it('explains why: scheme, credentials, internal names and private addresses', async () => {
      const reason = async (url: string) => (await call('POST', '/webhooks', { url, events: ['lead.created'] })).body.details.url[0] as string;
      expect(await reason('http://example.com/x')).toMatch(/https/);
      expect(await reason('https://user:pw@example.com/')).toMatch(/credentials/);
      expect(await reason('https://metadata.google.internal/')).toMatch(/internal/);
      // Alternative IPv4 spellings are judged as the address they reach.
      for (const url of ['https://2130706433/', 'https://0x7f000001/', 'https://0177.0.0.1/', 'https://127.1/']) {
        expect({ url, reason: await reason(url) }).toEqual({ url, reason: expect.stringContaining('127.0.0.1') });
      }
    });

    it('accepts public https targets (the guard is not a blanket refusal)', async () => {
      for (const url of [PUBLIC_IPV4_TARGET, PUBLIC_IPV6_TARGET]) {
        const res = await call('POST', '/webhooks', { url, events: ['lead.created'] });
        expect({ url, status: res.status }).toEqual({ url, status: 201 });
        expect(res.body.url).toBe(url);
        // Never delivered to: delete it at once so no later event in this workspace can reach it.
        expect((await call('DELETE', `/webhooks/${res.body.id}`)).status).toBe(204);
      }
      const zapier = await call('POST', '/webhooks', { target_url: PUBLIC_IPV4_TARGET, event: 'lead.created' });
      expect(zapier.status).toBe(201);
      expect((await call('DELETE', `/webhooks/${zapier.body.id}`)).status).toBe(204);
    });

    it('PATCH to a refused target is refused and leaves the stored url unchanged', async () => {
      const created = await call('POST', '/webhooks', { url: PUBLIC_IPV4_TARGET, events: ['lead.created'] });
      expect(created.status).toBe(201);
      for (const url of REFUSED_URLS) expectRefused(await call('PATCH', `/webhooks/${created.body.id}`, { url }), 'url', url);
      expect((await call('GET', `/webhooks/${created.body.id}`)).body.url).toBe(PUBLIC_IPV4_TARGET);
      expect((await call('DELETE', `/webhooks/${created.body.id}`)).status).toBe(204);
    });
  });

  describe('delivery time (after DNS resolution)', () => {
    /**
     * Simulates a target that passed the save-time check and later points at a private address
     * (DNS rebinding, or a row changed behind the API's back): the stored url is rewritten in
     * the database, then an event is emitted.
     */
    async function deliverTo(storedUrl: string) {
      const created = await call('POST', '/webhooks', { url: PUBLIC_IPV4_TARGET, events: ['lead.created'] });
      expect(created.status).toBe(201);
      const rewritten = await WebhookSubscriptionModel.updateOne({ _id: created.body.id }, { $set: { url: storedUrl } });
      expect(rewritten.modifiedCount).toBe(1);
      expect((await call('GET', `/webhooks/${created.body.id}`)).body.url).toBe(storedUrl);

      const emitted = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data: leadCreated });
      expect(emitted.status).toBe(202);
      expect(emitted.body.deliveryIds).toHaveLength(1);
      const deliveryId: string = emitted.body.deliveryIds[0];
      const delivery = await eventually(
        async () => {
          const res = await call('GET', `/deliveries/${deliveryId}`);
          return res.status === 200 && res.body.status !== 'pending' ? res.body : undefined;
        },
        20_000,
        `delivery ${deliveryId} to finish`,
      );
      // Disarm the subscription right away (nothing else in this workspace emits, but be sure).
      expect((await call('DELETE', `/webhooks/${created.body.id}`)).status).toBe(204);
      return delivery;
    }

    const expectBlocked = (delivery: any) => {
      expect(delivery.status).toBe('failed');
      expect(delivery.attempts).toHaveLength(1); // the schedule is one attempt
      expect(delivery.attempts[0]).toMatchObject({ number: 1, errorClass: 'ssrf_blocked', httpStatus: null });
      expect(delivery.attempts[0].errorMessage).toEqual(expect.any(String));
    };

    it('blocks a name that resolves to loopback (https://localhost:<port>) and the receiver sees nothing', async () => {
      const r = await receiver();
      const delivery = await deliverTo(`https://localhost:${new URL(r.url).port}/x`);
      expectBlocked(delivery);
      expect(delivery.attempts[0].errorMessage).toMatch(/127\.0\.0\.1|::1|blocked/);
      expect(r.requests).toHaveLength(0);
    });

    it('blocks a loopback IP literal (https://127.0.0.1:<port>) and the receiver sees nothing', async () => {
      const r = await receiver();
      const delivery = await deliverTo(`https://127.0.0.1:${new URL(r.url).port}/x`);
      expectBlocked(delivery);
      expect(r.requests).toHaveLength(0);
    });

    it.each([
      ['localhost name', (port: number) => `https://localhost:${port}/x`],
      ['decimal IPv4', (port: number) => `https://2130706433:${port}/x`],
      ['IPv6 loopback', (port: number) => `https://[::1]:${port}/x`],
      ['plain http', (port: number) => `http://127.0.0.1:${port}/x`],
    ])('never even opens a TCP connection to a blocked target (%s)', async (_label, urlFor) => {
      const tap = await startTcpTap();
      try {
        expectBlocked(await deliverTo(urlFor(tap.port)));
        expect(tap.connections()).toBe(0);
      } finally {
        await tap.close();
      }
    });
  });
});
