import { spawnSync } from 'node:child_process';
import { ApiKeyModel } from '../../core/workspaces/api-key.model';
import { ADMIN_TOKEN, startTestStack, type TestStack } from '../support/test-stack';

describe('workspaces and API keys (real API, database and Temporal)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('creates a key, accepts it, and refuses it on the very next request after revocation', async () => {
    const ws = await stack.createWorkspace('Lifecycle');
    const created = await stack.admin('POST', `/workspaces/${ws.id}/keys`, { kind: 'secret', name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk_/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 9));

    const stored = await ApiKeyModel.findById(created.body.id).lean();
    expect(stored?.hash).toHaveLength(64);
    expect(JSON.stringify(stored)).not.toContain(created.body.key);

    const me = await stack.request('GET', '/api/v1/me', { key: created.body.key });
    expect(me.status).toBe(200);
    expect(me.body.workspace.id).toBe(ws.id);
    expect(me.body.key).toEqual({ id: created.body.id, kind: 'secret', prefix: created.body.prefix, scopes: [] });
    expect(me.body.availableEvents).toContain('lead.created');

    const listed = await stack.admin('GET', `/workspaces/${ws.id}/keys`);
    const entry = listed.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toMatchObject({ prefix: created.body.prefix, revokedAt: null });
    expect(entry.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const revoked = await stack.admin('POST', `/workspaces/${ws.id}/keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();

    const after = await stack.request('GET', '/api/v1/me', { key: created.body.key });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Invalid API key', code: 'unauthorized' });
  });

  it('accepts Bearer, Token and X-API-Key, and gives one answer for unknown, malformed and missing keys', async () => {
    const ws = await stack.createWorkspace('Headers');
    const variants: Record<string, string>[] = [{ authorization: `Bearer ${ws.secretKey}` }, { authorization: `Token ${ws.secretKey}` }, { 'x-api-key': ws.secretKey }];
    for (const headers of variants) {
      expect((await stack.request('GET', '/api/v1/me', { headers })).status).toBe(200);
    }
    const unknown = await stack.request('GET', '/api/v1/me', { key: 'sk_' + 'A'.repeat(32) });
    const malformed = await stack.request('GET', '/api/v1/me', { key: 'sk_nope' });
    expect(unknown.status).toBe(401);
    expect(malformed.body).toEqual(unknown.body); // no hint whether a key exists
    const missing = await stack.request('GET', '/api/v1/me');
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('unauthorized');
    const wrongScheme = await stack.request('GET', '/api/v1/me', { headers: { authorization: `Basic ${ws.secretKey}` } });
    expect(wrongScheme.status).toBe(401);
  });

  it("isolates tenants: a workspace's key only ever sees its own workspace", async () => {
    const a = await stack.createWorkspace('Tenant A');
    const b = await stack.createWorkspace('Tenant B');
    const meA = await stack.request('GET', '/api/v1/me', { key: a.secretKey });
    const meB = await stack.request('GET', '/api/v1/me', { key: b.publishableKey });
    expect(meA.body.workspace.id).toBe(a.id);
    expect(meB.body.workspace.id).toBe(b.id);
    expect(meB.body.key.kind).toBe('publishable');
    // Revoking through the wrong workspace finds nothing and changes nothing.
    const bKeys = await stack.admin('GET', `/workspaces/${b.id}/keys`);
    const bKeyId = bKeys.body.data[0].id;
    expect((await stack.admin('POST', `/workspaces/${a.id}/keys/${bKeyId}/revoke`)).status).toBe(404);
    expect((await stack.request('GET', '/api/v1/me', { key: b.secretKey })).status).toBe(200);
  });

  it('guards the admin API with the admin token', async () => {
    expect((await stack.request('GET', '/admin/v1/workspaces')).status).toBe(401);
    expect((await stack.request('GET', '/admin/v1/workspaces', { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } })).status).toBe(401);
    const ok = await stack.request('GET', '/admin/v1/workspaces', { headers: { 'x-admin-token': ADMIN_TOKEN } });
    expect(ok.status).toBe(200);
    // A workspace key is not an admin token.
    const ws = await stack.createWorkspace('Not admin');
    expect((await stack.request('GET', '/admin/v1/workspaces', { key: ws.secretKey })).status).toBe(401);
  });

  it('validates admin input field by field', async () => {
    const res = await stack.admin('POST', '/workspaces', { name: '', plan: 'gold', color: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(Object.keys(res.body.details).sort()).toEqual(['color', 'name', 'plan']);
    expect((await stack.admin('POST', '/workspaces/ws_missing/keys', { kind: 'secret' })).status).toBe(404);
  });

  it('offers the same operations from the command line', () => {
    const env = { ...process.env, MONGODB_URI: stack.config.MONGODB_URI, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE, LOG_LEVEL: 'silent' };
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { env, encoding: 'utf8', timeout: 60_000 });
    const created = cli('workspace', 'create', 'From CLI');
    expect(created.status).toBe(0);
    const workspaceId = /Workspace (ws_\w+)/.exec(created.stdout)?.[1];
    const secret = /Secret key\s+(sk_\w+)/.exec(created.stdout)?.[1];
    expect(workspaceId).toBeDefined();
    expect(secret).toMatch(/^sk_/);

    const listed = cli('key', 'list', '--workspace', workspaceId!);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(secret!.slice(0, 9));
    expect(listed.stdout).not.toContain(secret!);
    const keyId = listed.stdout.split('\n').find((l) => l.includes(secret!.slice(0, 9)))!.split(/\s+/)[0];
    // Over every workspace: one line per key, led by its workspace; the count on stderr (no bar when not a terminal).
    const all = cli('key', 'list', '--all');
    expect(all.status).toBe(0);
    expect(all.stdout.split('\n').filter((l) => l.startsWith(`${workspaceId}  key_`))).toHaveLength(2);
    expect(all.stderr).toMatch(/^Listing keys: \d+ workspaces$/m);
    const neither = cli('key', 'list');
    expect(neither.status).toBe(1);
    expect(neither.stderr).toContain('give either --workspace <id> or --all');
    const revoked = cli('key', 'revoke', keyId, '--workspace', workspaceId!);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${keyId}`);

    const bad = cli('key', 'create', '--workspace', workspaceId!, '--kind', 'root');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/must be one of secret, publishable/);
  });
});
