/**
 * Limits per client, before any database lookup: unknown keys per IP, browser ingest per IP with
 * IPv6 counted per /64, and rate-limit headers on every authenticated answer (403 included).
 * Client addresses come from X-Forwarded-For (TRUST_PROXY_HOPS=1), as behind a proxy.
 */
import { startTestStack, type TestStack } from '../support/test-stack';

describe('client limits (real API and database)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, env: { TRUST_PROXY_HOPS: '1', AUTH_FAILURES_PER_IP_PER_MINUTE: '5', INGEST_IP_RATE_LIMIT_PER_HOUR: '3' } });
  });
  afterAll(() => stack.close());

  /** Well-formed keys nobody was given. */
  const madeUpKey = (n: number) => `sk_${String(n).padStart(32, 'A')}`;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('refuses unknown keys from one address with 429 before looking them up, other addresses unaffected', async () => {
    const ws = await stack.createWorkspace('Guessing');
    const good = await stack.request('GET', '/api/v1/me', { key: ws.secretKey, headers: from('198.51.100.1') });
    expect(good.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await stack.request('GET', '/api/v1/me', { key: madeUpKey(i), headers: from('198.51.100.66') })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await stack.request('POST', '/api/v1/ingest', { key: madeUpKey(99), headers: from('198.51.100.66'), body: { type: 'pageview', data: { visitor_fingerprint: 'fp', url: 'https://x.example/' } } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A good key from that address is refused too (it is not looked up), others go on.
    expect((await stack.request('GET', '/api/v1/me', { key: ws.secretKey, headers: from('198.51.100.66') })).status).toBe(429);
    expect((await stack.request('GET', '/api/v1/me', { key: ws.secretKey, headers: from('198.51.100.67') })).status).toBe(200);
  });

  it('counts browser ingest per IPv6 /64, not per address', async () => {
    const ws = await stack.createWorkspace('IPv6', { rateLimits: { perMinute: 1000, perDay: 100_000 } });
    const send = (ip: string) => stack.request('POST', '/api/v1/ingest', { key: ws.publishableKey, headers: from(ip), body: { type: 'pageview', data: { visitor_fingerprint: 'fp_v6', url: 'https://v6.example/' } } });
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await send(`2001:db8:5:6::${i.toString(16)}`)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect((await send('2001:db8:5:7::1')).status).toBe(202);
  });

  it('puts X-RateLimit-* headers on a 403 for a publishable key on a management route', async () => {
    const ws = await stack.createWorkspace('Forbidden', { rateLimits: { perMinute: 50 } });
    const res = await stack.request('GET', '/api/v1/leads', { key: ws.publishableKey, headers: from('198.51.100.2') });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-ratelimit-limit')).toBe('50');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('49');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });
});
