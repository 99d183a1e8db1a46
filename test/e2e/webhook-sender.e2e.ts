import dns from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeWebhookAgents, sendWebhook, type WebhookHttpRequest } from '../../activities/webhook-http';

/**
 * The sender against real HTTP receivers on 127.0.0.1. Every route is a path on one server, which
 * records what it received, so tests can also prove that a refused or redirected request never
 * reached its target.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const DRIP_MAX_TICKS = 200; // 20 s at most, far past any deadline below
const ENDLESS_MAX_BYTES = 512 * 1024 * 1024;

describe('sendWebhook against real receivers', () => {
  let server: Server;
  let baseUrl: string;
  let port: number;
  let closedPort: number;
  const received: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let endlessBytesSent = 0;

  const routes: Record<string, Handler> = {
    '/ok': (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '17', 'x-request-id': 'req_42', server: 'test', 'set-cookie': 'a=b' }).end('{"received":true}'),
    '/created': (_req, res) => res.writeHead(201).end('created'),
    '/no-content': (_req, res) => res.writeHead(204).end(),
    '/fail': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
    '/redirect': (_req, res) => res.writeHead(302, { location: `${baseUrl}/redirect-target` }).end(),
    '/redirect-target': (_req, res) => res.writeHead(200).end('should never be reached'),
    '/rate-limited': (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end(),
    '/unavailable-until': (_req, res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }).end(),
    '/retry-after-on-500': (_req, res) => res.writeHead(500, { 'retry-after': '7' }).end(),
    '/big': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10 * 1024)),
    '/endless': (_req, res) => {
      // Streams until the sender hangs up (bounded at ENDLESS_MAX_BYTES), respecting backpressure.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'y');
      const pump = () => {
        while (!res.destroyed && endlessBytesSent < ENDLESS_MAX_BYTES) {
          endlessBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    },
    '/never-answers': () => undefined,
    '/drip': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      let ticks = 0;
      const timer = setInterval(() => {
        if (++ticks > DRIP_MAX_TICKS || res.destroyed) return stop();
        res.write('.');
      }, 100);
      const stop = () => {
        clearInterval(timer);
        timers.delete(timer);
      };
      timers.add(timer);
      res.on('close', stop);
    },
    '/echo': (_req, res) => res.writeHead(200).end('echoed'),
  };

  const requestsTo = (path: string) => received.filter((request) => request.path === path);

  function webhook(overrides: Partial<WebhookHttpRequest> & { path?: string }): WebhookHttpRequest {
    const { path = '/ok', ...rest } = overrides;
    return {
      url: `${baseUrl}${path}`,
      body: '{"type":"lead.created"}',
      headers: { 'content-type': 'application/json' },
      timeoutMs: 5_000,
      policy: { allowPrivate: true },
      ...rest,
    };
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        received.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        (routes[path] ?? ((_r: IncomingMessage, s: ServerResponse) => s.writeHead(404).end()))(req, res);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    baseUrl = `http://127.0.0.1:${port}`;

    const doomed = createServer();
    await new Promise<void>((resolve) => doomed.listen(0, '127.0.0.1', resolve));
    closedPort = (doomed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => doomed.close(() => resolve()));
  });

  afterAll(async () => {
    for (const timer of timers) clearInterval(timer);
    await closeWebhookAgents();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers the exact body and headers, and captures a 200 answer', async () => {
    const body = JSON.stringify({ type: 'lead.created', data: { email: 'ada@example.com', note: 'héllo ✓' } });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': 'v1,c2lnbmF0dXJl',
    };
    const result = await sendWebhook(webhook({ path: '/echo', body, headers }));

    expect(result).toMatchObject({ ok: true, status: 200, responseBody: 'echoed' });
    expect(result.errorClass).toBeUndefined();
    const [request] = requestsTo('/echo');
    expect(request.method).toBe('POST');
    expect(request.body).toBe(body);
    expect(request.headers).toMatchObject(headers);
  });

  it('keeps only the response headers of note', async () => {
    const result = await sendWebhook(webhook({ path: '/ok' }));
    expect(result).toMatchObject({ ok: true, status: 200, responseBody: '{"received":true}' });
    expect(result.responseHeaders).toEqual({ 'content-type': 'application/json', 'content-length': '17', 'x-request-id': 'req_42', server: 'test' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('treats 201 and 204 as delivered', async () => {
    expect(await sendWebhook(webhook({ path: '/created' }))).toMatchObject({ ok: true, status: 201, responseBody: 'created' });
    expect(await sendWebhook(webhook({ path: '/no-content' }))).toMatchObject({ ok: true, status: 204, responseBody: '' });
  });

  it('classifies a 500 as http_status and keeps its body', async () => {
    const result = await sendWebhook(webhook({ path: '/fail' }));
    expect(result).toMatchObject({ ok: false, status: 500, errorClass: 'http_status', responseBody: 'boom' });
    expect(result.retryAfterMs).toBeUndefined();
  });

  it('does not follow a redirect and records where it pointed', async () => {
    const result = await sendWebhook(webhook({ path: '/redirect' }));
    expect(result).toMatchObject({ ok: false, status: 302, errorClass: 'redirect' });
    expect(result.responseHeaders.location).toBe(`${baseUrl}/redirect-target`);
    expect(requestsTo('/redirect-target')).toHaveLength(0);
  });

  it('reads Retry-After as delta-seconds or an HTTP-date on 429 and 503 only', async () => {
    expect(await sendWebhook(webhook({ path: '/rate-limited' }))).toMatchObject({ ok: false, status: 429, errorClass: 'http_status', retryAfterMs: 7_000 });

    const unavailable = await sendWebhook(webhook({ path: '/unavailable-until' }));
    expect(unavailable).toMatchObject({ ok: false, status: 503, errorClass: 'http_status' });
    // HTTP-dates have one-second resolution.
    expect(unavailable.retryAfterMs).toBeGreaterThan(27_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(30_000);

    expect((await sendWebhook(webhook({ path: '/retry-after-on-500' }))).retryAfterMs).toBeUndefined();
  });

  it('keeps the first 4096 bytes of a larger body', async () => {
    const result = await sendWebhook(webhook({ path: '/big' }));
    expect(result.ok).toBe(true);
    expect(result.responseBody).toHaveLength(4096);
    expect(result.responseBody).toBe('x'.repeat(4096));
  });

  it('stops reading after 256 KB and still counts the answer', async () => {
    const result = await sendWebhook(webhook({ path: '/endless', timeoutMs: 10_000 }));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.errorClass).toBeUndefined();
    expect(result.responseBody).toBe('y'.repeat(4096));
    expect(endlessBytesSent).toBeLessThan(ENDLESS_MAX_BYTES);
  });

  it('times out a receiver that never answers, close to the deadline', async () => {
    const result = await sendWebhook(webhook({ path: '/never-answers', timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(result.status).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('times out a receiver that sends 200 headers and then drips the body', async () => {
    const result = await sendWebhook(webhook({ path: '/drip', timeoutMs: 500 }));
    expect(result).toMatchObject({ ok: false, status: 200, errorClass: 'timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(480);
    expect(result.durationMs).toBeLessThan(2_000);
    expect(result.responseBody).toMatch(/^\.{1,10}$/);
  });

  it('reports connection_refused for a closed port', async () => {
    const result = await sendWebhook(webhook({ url: `http://127.0.0.1:${closedPort}/hook` }));
    expect(result).toMatchObject({ ok: false, errorClass: 'connection_refused' });
    expect(result.errorMessage).toContain('ECONNREFUSED');
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('reports dns when the lookup fails with %s', async (code) => {
    // A fake resolver: the test never sends a DNS query.
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, _options: unknown, callback: (error: Error) => void) => {
      callback(Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, hostname }));
    }) as unknown as typeof dns.lookup);
    try {
      const result = await sendWebhook(webhook({ url: 'http://hooks.signalbox.test/hook' }));
      expect(result).toMatchObject({ ok: false, errorClass: 'dns' });
      expect(result.errorMessage).toContain(code);
      expect(lookup).toHaveBeenCalled();
    } finally {
      lookup.mockRestore();
    }
  });

  it('reports a TLS failure when the receiver does not speak TLS', async () => {
    const result = await sendWebhook(webhook({ url: `https://127.0.0.1:${port}/ok` }));
    expect(result).toMatchObject({ ok: false, errorClass: 'tls' });
  });

  it('refuses a private IP literal before any network I/O', async () => {
    const before = { connections, requests: received.length };
    for (const url of [`http://127.0.0.1:${port}/ok`, `https://127.0.0.1:${port}/ok`, `https://[::ffff:127.0.0.1]:${port}/ok`]) {
      const result = await sendWebhook(webhook({ url, policy: { allowPrivate: false } }));
      expect(result).toMatchObject({ ok: false, errorClass: 'ssrf_blocked' });
      expect(result.status).toBeUndefined();
    }
    expect({ connections, requests: received.length }).toEqual(before);
  });

  it('refuses a name that resolves to loopback through the guarded lookup', async () => {
    const before = { connections, requests: received.length };
    const result = await sendWebhook(webhook({ url: `https://localhost:${port}/ok`, policy: { allowPrivate: false } }));
    expect(result).toMatchObject({ ok: false, errorClass: 'ssrf_blocked' });
    expect(result.errorMessage).toMatch(/localhost resolves to a blocked address/);
    expect({ connections, requests: received.length }).toEqual(before);
  });

  it('never puts request header values in an error message', async () => {
    const signature = 'v1,dGhpcyBpcyBhIHNlY3JldCBzaWduYXR1cmU=';
    const results = await Promise.all([
      sendWebhook(webhook({ url: `http://127.0.0.1:${closedPort}/`, headers: { 'webhook-signature': signature } })),
      sendWebhook(webhook({ path: '/fail', headers: { 'webhook-signature': signature } })),
      sendWebhook(webhook({ path: '/ok', headers: { 'webhook-signature': `${signature}\r\nx-evil: 1` } })),
    ]);
    expect(results.map((result) => result.errorClass)).toEqual(['connection_refused', 'http_status', 'network']);
    for (const result of results) {
      expect(result.ok).toBe(false);
      expect(result.errorMessage ?? '').not.toContain(signature);
    }
  });

  it('reuses keep-alive connections across deliveries', async () => {
    await sendWebhook(webhook({ path: '/ok' }));
    const before = connections;
    for (let i = 0; i < 5; i++) expect((await sendWebhook(webhook({ path: '/ok' }))).ok).toBe(true);
    expect(connections - before).toBeLessThanOrEqual(1);
  });
});
