import { startTestStack, type TestStack } from '../support/test-stack';

describe('per-key rate limits shared across API processes', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('counts down in headers, then answers 429 with Retry-After', async () => {
    const ws = await stack.createWorkspace('Limited', { rateLimits: { perMinute: 3 } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await stack.request('GET', '/api/v1/me', { key: ws.secretKey });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await stack.request('GET', '/api/v1/me', { key: ws.secretKey });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');

    // Another key of the same workspace has its own budget.
    expect((await stack.request('GET', '/api/v1/me', { key: ws.publishableKey })).status).toBe(200);
  });

  it('enforces the daily budget too', async () => {
    const ws = await stack.createWorkspace('Daily', { rateLimits: { perMinute: 100, perDay: 2 } });
    expect((await stack.request('GET', '/api/v1/me', { key: ws.secretKey })).status).toBe(200);
    const second = await stack.request('GET', '/api/v1/me', { key: ws.secretKey });
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await stack.request('GET', '/api/v1/me', { key: ws.secretKey });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
  });

  it('shares one budget between two API processes on the same database', async () => {
    const ws = await stack.createWorkspace('Shared', { rateLimits: { perMinute: 4 } });
    const second = await stack.startExtraApi();
    const call = (base: string) => fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
    const statuses = [];
    for (const base of [stack.url, second.url, stack.url, second.url, stack.url, second.url]) statuses.push((await call(base)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('does not rate-limit health checks or unauthenticated failures', async () => {
    for (let i = 0; i < 5; i++) expect((await stack.request('GET', '/healthz')).headers.get('x-ratelimit-limit')).toBeNull();
  });
});
