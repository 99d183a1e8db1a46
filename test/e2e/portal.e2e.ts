import { Webhook } from 'standardwebhooks';
import { hashSessionSecret } from '../../core/platform/session-secrets';
import { PortalSessionModel } from '../../core/portal/portal-session.model';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

interface PortalLink {
  url: string;
  token_expires_at: string;
  subscription_ids: string[];
}

describe('subscriber portal: one-time link, session cookie, CSRF and subscription scoping (real stack)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  // ---- helpers -----------------------------------------------------------------------------

  const workspace = (name: string) => stack.createWorkspace(name, { rateLimits: { perMinute: 10_000 } });
  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  async function subscribe(ws: TestWorkspace, url: string): Promise<{ id: string; secret: string }> {
    const res = await call(ws, 'POST', '/webhooks', { url, events: ['lead.created'] });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function openLink(ws: TestWorkspace, body: Record<string, unknown>): Promise<PortalLink> {
    const res = await call<PortalLink>(ws, 'POST', '/portal-sessions', body);
    expect(res.status).toBe(201);
    return res.body;
  }
  /** GET the link without following the redirect; the cookie jar is this one cookie. */
  async function exchange(link: PortalLink): Promise<{ status: number; location: string | null; setCookie: string | null; body: string }> {
    const res = await fetch(stack.url + new URL(link.url).pathname, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), setCookie: res.headers.get('set-cookie'), body: await res.text() };
  }
  async function portalSession(link: PortalLink) {
    const { status, setCookie } = await exchange(link);
    expect(status).toBe(303);
    const cookie = (setCookie as string).split(';')[0];
    const session = await portal(cookie, 'GET', '/session');
    expect(session.status).toBe(200);
    return { cookie, csrf: session.body.csrf_token as string, session: session.body };
  }
  function portal<T = any>(cookie: string, method: string, path: string, opts: { csrf?: string; body?: unknown } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { cookie };
    if (opts.csrf) headers['x-csrf-token'] = opts.csrf;
    return stack.request<T>(method, `/portal/api${path}`, { headers, body: opts.body });
  }

  // ---- tests -------------------------------------------------------------------------------

  it('a link opens a session scoped to its subscriptions; writes need the CSRF header and go through the real delivery path', async () => {
    const ws = await workspace('Portal owner');
    const other = await workspace('Portal other');
    const receiver = await receivers.start();
    const mine = await subscribe(ws, `${receiver.url}/mine`);
    const sibling = await subscribe(ws, `${receiver.url}/sibling`);
    const foreign = await subscribe(other, `${receiver.url}/foreign`);

    const link = await openLink(ws, { subscription_ids: [mine.id], ttl_seconds: 600 });
    expect(link.subscription_ids).toEqual([mine.id]);
    expect(new URL(link.url).pathname).toMatch(/^\/portal\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.token_expires_at)).toBeGreaterThan(Date.now() + 590_000);

    const first = await exchange(link);
    expect(first.status).toBe(303);
    expect(first.location).toBe('/portal/');
    expect(first.setCookie).toMatch(/^signalbox_portal=[A-Za-z0-9_-]{43}; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/);
    const cookie = (first.setCookie as string).split(';')[0];

    // One-time: the same link never opens a second session.
    const reused = await exchange(link);
    expect(reused.status).toBe(401);
    expect(reused.setCookie).toBeNull();
    expect(JSON.parse(reused.body)).toMatchObject({ code: 'unauthorized', error: expect.stringMatching(/already used/) });

    const session = await portal(cookie, 'GET', '/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ workspace_id: ws.id, subscription_ids: [mine.id], csrf_token: expect.any(String) });
    const csrf = session.body.csrf_token as string;

    const list = await portal(cookie, 'GET', '/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([mine.id]);
    expect(list.body.data[0]).toMatchObject({ url: `${receiver.url}/mine`, health: expect.any(Object) });
    expect((await portal(cookie, 'GET', `/webhooks/${mine.id}`)).status).toBe(200);

    // The workspace's other subscription and another workspace's are not there.
    for (const id of [sibling.id, foreign.id]) {
      expect((await portal(cookie, 'GET', `/webhooks/${id}`)).status).toBe(404);
      expect((await portal(cookie, 'GET', `/webhooks/${id}/deliveries`)).status).toBe(404);
      expect((await portal(cookie, 'POST', `/webhooks/${id}/test`, { csrf })).status).toBe(404);
      expect((await portal(cookie, 'POST', `/webhooks/${id}/rotate-secret`, { csrf })).status).toBe(404);
    }
    // No cookie, or a made-up one: 401.
    expect((await stack.request('GET', '/portal/api/webhooks')).status).toBe(401);
    expect((await portal('signalbox_portal=' + 'A'.repeat(43), 'GET', '/webhooks')).status).toBe(401);

    // Writes without (or with a wrong) x-csrf-token are refused before they do anything.
    const noCsrf = await portal(cookie, 'POST', `/webhooks/${mine.id}/test`);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
    expect((await portal(cookie, 'POST', `/webhooks/${mine.id}/test`, { csrf: csrf.slice(1) + 'x' })).status).toBe(403);
    expect(receiver.requests).toHaveLength(0);

    const test = await portal(cookie, 'POST', `/webhooks/${mine.id}/test`, { csrf });
    expect(test.status).toBe(202);
    const [received] = await receiver.waitForRequests(1);
    expect(received.path).toBe('/mine');
    // Signed with the subscription's secret, as every delivery is.
    const headers = received.headers as Record<string, string>;
    expect(() => new Webhook(mine.secret).verify(received.body, headers)).not.toThrow();

    const delivered = await eventually(async () => {
      const res = await portal(cookie, 'GET', `/deliveries/${test.body.deliveryId}`);
      return res.status === 200 && res.body.status === 'succeeded' ? res.body : undefined;
    }, 20_000, 'the test delivery to succeed');
    expect(delivered.attempts).toEqual([expect.objectContaining({ number: 1, httpStatus: 200 })]);
    const deliveries = await portal(cookie, 'GET', `/webhooks/${mine.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data.map((d: { id: string }) => d.id)).toEqual([test.body.deliveryId]);

    // Retry goes through the same use-case; a delivery of another subscription is a 404.
    const retried = await portal(cookie, 'POST', `/deliveries/${test.body.deliveryId}/retry`, { csrf });
    expect(retried.status).toBe(202);
    await receiver.waitForRequests(2);
    const siblingTest = await call(ws, 'POST', `/webhooks/${sibling.id}/test`);
    expect(siblingTest.status).toBe(202);
    expect((await portal(cookie, 'GET', `/deliveries/${siblingTest.body.deliveryId}`)).status).toBe(404);
    expect((await portal(cookie, 'POST', `/deliveries/${siblingTest.body.deliveryId}/retry`, { csrf })).status).toBe(404);

    const rotated = await portal(cookie, 'POST', `/webhooks/${mine.id}/rotate-secret`, { csrf, body: { graceSeconds: 0 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(mine.secret);
    expect((await portal(cookie, 'GET', `/webhooks/${mine.id}`)).body.secretPrefix).toBe(rotated.body.secretPrefix);

    // Recover runs the API's recovery workflow; progress is followed under /portal/api.
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await portal(cookie, 'POST', `/webhooks/${sibling.id}/recover`, { csrf, body: { since } })).status).toBe(404);
    const recover = await portal(cookie, 'POST', `/webhooks/${mine.id}/recover`, { csrf, body: { since } });
    expect(recover.status).toBe(202);
    expect(recover.body.progressUrl).toMatch(new RegExp(`^/portal/api/webhooks/${mine.id}/recoveries/`));
    const done = await eventually(async () => {
      const res = await portal(cookie, 'GET', recover.body.progressUrl.replace('/portal/api', ''));
      return res.status === 200 && res.body.status === 'completed' ? res.body : undefined;
    }, 20_000, 'the recovery to complete');
    expect(done.id).toBe(recover.body.id);
  });

  it('an expired link is refused and opens no session', async () => {
    const ws = await workspace('Portal expiry');
    const receiver = await receivers.start();
    await subscribe(ws, `${receiver.url}/x`);
    const link = await openLink(ws, { ttl_seconds: 60 });
    expect(link.subscription_ids).toHaveLength(1);
    const token = new URL(link.url).pathname.split('/').pop() as string;
    await PortalSessionModel.updateOne({ _id: hashSessionSecret(token) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await exchange(link);
    expect(res.status).toBe(401);
    expect(res.setCookie).toBeNull();
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unauthorized', error: expect.stringMatching(/expired/) });
  });

  it('a session expires with its link', async () => {
    const ws = await workspace('Portal session expiry');
    const receiver = await receivers.start();
    await subscribe(ws, `${receiver.url}/x`);
    const { cookie } = await portalSession(await openLink(ws, { ttl_seconds: 60 }));
    const sessionId = cookie.split('=')[1];
    await PortalSessionModel.updateOne({ _id: hashSessionSecret(sessionId) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await portal(cookie, 'GET', '/webhooks');
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/expired/);
  });

  it('a session can be ended early, only with its CSRF token', async () => {
    const ws = await workspace('Portal sign-out');
    const receiver = await receivers.start();
    await subscribe(ws, `${receiver.url}/x`);
    const { cookie, csrf } = await portalSession(await openLink(ws, {}));
    expect((await portal(cookie, 'DELETE', '/session')).status).toBe(403);
    const ended = await portal(cookie, 'DELETE', '/session', { csrf });
    expect(ended.status).toBe(204);
    expect(ended.headers.get('set-cookie')).toMatch(/^signalbox_portal=; .*Expires=Thu, 01 Jan 1970/);
    expect((await portal(cookie, 'GET', '/webhooks')).status).toBe(401);
  });

  it('refuses subscription ids outside the workspace (404 naming the index) and bad bodies (400)', async () => {
    const ws = await workspace('Portal validation');
    const other = await workspace('Portal validation other');
    const receiver = await receivers.start();
    const mine = await subscribe(ws, `${receiver.url}/a`);
    const foreign = await subscribe(other, `${receiver.url}/b`);

    const res = await call(ws, 'POST', '/portal-sessions', { subscription_ids: [mine.id, foreign.id] });
    expect(res.status).toBe(404);
    expect(res.body.details).toEqual({ 'subscription_ids.1': [expect.any(String)] });
    expect((await call(ws, 'POST', '/portal-sessions', { subscription_ids: [] })).status).toBe(400);
    expect((await call(ws, 'POST', '/portal-sessions', { ttl_seconds: 59 })).status).toBe(400);
    expect((await call(ws, 'POST', '/portal-sessions', { ttl_seconds: 86_401 })).status).toBe(400);
    expect((await stack.request('POST', '/api/v1/portal-sessions', { key: ws.publishableKey, body: {} })).status).toBe(403);
  });
});
