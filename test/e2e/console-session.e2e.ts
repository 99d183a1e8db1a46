import { ADMIN_TOKEN, eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The console's sign-in and its cookie standing in for the key on the same /api/v1 routes
 * (no back door): CSRF on writes, workspace and scope limits of the key, revocation and sign-out.
 */
describe('console session: sign-in, cookie auth on /api/v1, CSRF, revocation and sign-out (real stack)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  let other: TestWorkspace;

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await stack.createWorkspace('Console', { rateLimits: { perMinute: 10_000 } });
    other = await stack.createWorkspace('Console other', { rateLimits: { perMinute: 10_000 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const signIn = (body: unknown) => stack.request('POST', '/console/api/session', { body });
  async function session(body: unknown): Promise<{ cookie: string; csrf: string; setCookie: string; body: any }> {
    const res = await signIn(body);
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') as string;
    return { cookie: setCookie.split(';')[0], csrf: res.body.csrf_token, setCookie, body: res.body };
  }
  const asConsole = <T = any>(s: { cookie: string }, method: string, path: string, opts: { csrf?: string; body?: unknown } = {}): Promise<ApiResponse<T>> =>
    stack.request<T>(method, path, { headers: { cookie: s.cookie, ...(opts.csrf ? { 'x-csrf-token': opts.csrf } : {}) }, body: opts.body });

  it('refuses bad sign-ins with field-level details or a 401, and never sets a cookie for them', async () => {
    const empty = await signIn({});
    expect(empty.status).toBe(400);
    expect(Object.keys(empty.body.details)).toEqual(['secret_key']);
    const noWorkspace = await signIn({ admin_token: ADMIN_TOKEN });
    expect(noWorkspace.status).toBe(400);
    expect(Object.keys(noWorkspace.body.details)).toEqual(['workspace_id']);
    for (const body of [{ secret_key: 'sk_nope' }, { secret_key: ws.publishableKey }, { admin_token: 'wrong-admin-token-0123456789', workspace_id: ws.id }]) {
      const res = await signIn(body);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect((await signIn({ admin_token: ADMIN_TOKEN, workspace_id: 'ws_missing' })).status).toBe(404);
    expect((await stack.request('GET', '/console/api/session')).status).toBe(401);
  });

  it('a signed-in console calls the same /api/v1 routes as its key, scoped to its workspace, with the CSRF token on writes', async () => {
    const s = await session({ secret_key: ws.secretKey });
    expect(s.setCookie).toMatch(/^signalbox_console=[A-Za-z0-9_-]{43}; Path=\/; Expires=.+; HttpOnly; SameSite=Strict$/);
    expect(s.body).toMatchObject({ workspace: { id: ws.id, name: 'Console' }, admin: false, csrf_token: expect.any(String) });
    expect((await asConsole(s, 'GET', '/console/api/session')).body).toMatchObject({ workspace: { id: ws.id }, csrf_token: s.csrf });

    const body = { url: 'https://example.com/hook', events: ['lead.created'] };
    const noToken = await asConsole(s, 'POST', '/api/v1/webhooks', { body });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe('csrf_failed');
    const wrongToken = await asConsole(s, 'POST', '/api/v1/webhooks', { body, csrf: s.csrf.slice(1) + 'x' });
    expect(wrongToken.status).toBe(403);
    const created = await asConsole(s, 'POST', '/api/v1/webhooks', { body, csrf: s.csrf });
    expect(created.status).toBe(201);
    const listed = await asConsole(s, 'GET', '/api/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
    expect(listed.headers.get('x-ratelimit-limit')).toBe('10000');

    // Another workspace's subscription is not found through this session, nor is this one through theirs.
    const theirs = await stack.request('POST', '/api/v1/webhooks', { key: other.secretKey, body });
    expect((await asConsole(s, 'GET', `/api/v1/webhooks/${theirs.body.id}`)).status).toBe(404);
    const otherSession = await session({ secret_key: other.secretKey });
    expect((await asConsole(otherSession, 'GET', `/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
    // A CSRF token is bound to its session.
    expect((await asConsole(s, 'DELETE', `/api/v1/webhooks/${created.body.id}`, { csrf: otherSession.csrf })).status).toBe(403);
    expect((await asConsole(s, 'DELETE', `/api/v1/webhooks/${created.body.id}`, { csrf: s.csrf })).status).toBe(204);
  });

  it("acts with the key's scopes only, and revoking the key ends its sessions at once", async () => {
    const admin = await session({ secret_key: ws.secretKey });
    const made = await asConsole(admin, 'POST', '/api/v1/keys', { csrf: admin.csrf, body: { kind: 'secret', name: 'webhooks only', scopes: ['webhooks', 'write'] } });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^sk_/);
    const limited = await session({ secret_key: made.body.key });
    expect((await asConsole(limited, 'GET', '/api/v1/webhooks')).status).toBe(200);
    // Using the console counts as using its key (lastUsedAt), written in the background.
    await eventually(async () => {
      const keys = (await asConsole(admin, 'GET', '/api/v1/keys')).body.data as Array<{ id: string; lastUsedAt: string | null }>;
      return keys.find((k) => k.id === made.body.id)?.lastUsedAt ?? undefined;
    }, 10_000, 'lastUsedAt of the key behind the console session');
    const visitors = await asConsole(limited, 'GET', '/api/v1/visitors');
    expect(visitors.status).toBe(403);
    expect(visitors.body.error).toContain("'read' scope");
    // No escalation: a limited key cannot mint an unrestricted one.
    expect((await asConsole(limited, 'POST', '/api/v1/keys', { csrf: limited.csrf, body: { kind: 'secret' } })).status).toBe(403);
    expect((await asConsole(limited, 'POST', '/api/v1/keys', { csrf: limited.csrf, body: { kind: 'secret', scopes: ['read'] } })).status).toBe(403);

    const listed = await asConsole(admin, 'GET', '/api/v1/keys');
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(made.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
    expect((await asConsole(admin, 'POST', `/api/v1/keys/${made.body.id}/revoke`, { csrf: admin.csrf })).status).toBe(200);
    const after = await asConsole(limited, 'GET', '/api/v1/webhooks');
    expect(after.status).toBe(401);
    expect(after.body.error).toContain('revoked');
  });

  it('signs out only with the CSRF token, after which the cookie opens nothing', async () => {
    const s = await session({ secret_key: ws.secretKey });
    expect((await asConsole(s, 'DELETE', '/console/api/session')).status).toBe(403);
    const out = await asConsole(s, 'DELETE', '/console/api/session', { csrf: s.csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^signalbox_console=; .*Expires=Thu, 01 Jan 1970/);
    expect((await asConsole(s, 'GET', '/api/v1/webhooks')).status).toBe(401);
    expect((await asConsole(s, 'GET', '/console/api/session')).status).toBe(401);
  });

  it('the admin token opens any workspace with every scope', async () => {
    const s = await session({ admin_token: ADMIN_TOKEN, workspace_id: other.id });
    expect(s.body).toMatchObject({ workspace: { id: other.id }, admin: true });
    expect((await asConsole(s, 'GET', '/api/v1/visitors')).status).toBe(200);
    const hooks = await asConsole(s, 'GET', '/api/v1/webhooks');
    expect(hooks.body.data.length).toBeGreaterThan(0);
    expect((await asConsole(s, 'GET', '/console/api/config')).body).toEqual({ temporal_ui_url: null, temporal_namespace: stack.config.TEMPORAL_NAMESPACE });
  });
});
