import { startTestStack, type TestStack } from '../support/test-stack';

describe('one error model for bad input (real API)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, env: { MAX_BODY_BYTES: '2048' } });
  });
  afterAll(() => stack.close());

  const adminHeaders = (extra: Record<string, string> = {}) => ({ authorization: 'Bearer test-admin-token-0123456789abcdef', ...extra });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await stack.request('POST', '/admin/v1/workspaces', { rawBody: '{"name": "x",', headers: adminHeaders({ 'content-type': 'application/json' }) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Malformed JSON in request body', code: 'invalid_json' });
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await stack.request('POST', '/admin/v1/workspaces', { rawBody: 'name=x', headers: adminHeaders({ 'content-type': 'application/x-www-form-urlencoded' }) });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const res = await stack.request('POST', '/admin/v1/workspaces', { body: { name: 'x'.repeat(5000) }, headers: adminHeaders() });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'Request body exceeds the limit of 2048 bytes', code: 'payload_too_large' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await stack.request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'No route for GET /api/v1/nothing-here', code: 'not_found' });
  });

  it('puts X-Request-Id on every response, reusing a sane one from the caller', async () => {
    for (const path of ['/healthz', '/api/v1/me', '/api/v1/nothing-here', '/api/v1/openapi.json']) {
      expect((await stack.request('GET', path)).headers.get('x-request-id')).toMatch(/^req_[0-9a-f-]{36}$/);
    }
    const given = await stack.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-1234-abcd' } });
    expect(given.headers.get('x-request-id')).toBe('trace-1234-abcd');
    const insane = await stack.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('publishes an OpenAPI 3.1 document with every route and a docs page', async () => {
    const doc = await stack.request('GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/v1/me', '/admin/v1/workspaces', '/admin/v1/workspaces/{workspaceId}/keys/{keyId}/revoke']));
    expect(doc.body.paths['/admin/v1/workspaces'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(doc.body.components.schemas.Error).toBeDefined();
    const page = await fetch(`${stack.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
  });
});
