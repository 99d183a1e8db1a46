import { startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/** The segments API on the real stack: CRUD in Salespanel's shape, rule validation with paths, workspace isolation. */
describe('segments API (real API and database)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  const workspace = (name: string): Promise<TestWorkspace> => stack.createWorkspace(name, { rateLimits: { perMinute: 10_000 } });
  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown, key = ws.secretKey): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key, body });

  const pricingHunters = {
    name: 'Pricing hunters in DACH',
    rules: {
      all: [
        { field: 'acquisition.country', op: 'in', value: ['DE', 'AT', 'CH'] },
        { visited: '/pricing*', at_least: 3, within_days: 7 },
        { any: [{ attribute: 'plan', op: 'eq', value: 'pro' }, { tag: 'vip' }] },
      ],
    },
  };

  it('creates, reads, lists, changes and deletes a segment', async () => {
    const ws = await workspace('Segments CRUD');
    const created = await call(ws, 'POST', '/segments', pricingHunters);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ segment_id: expect.stringMatching(/^seg_/), name: pricingHunters.name, entity: 'person', emit_on_backfill: false, version: 1, created_on: expect.any(String), last_modified_on: expect.any(String) });
    // Defaults filled in (at_least: 1 when absent) and stored as validated.
    expect(created.body.rules.all[1]).toEqual({ visited: '/pricing*', at_least: 3, within_days: 7 });
    const id = created.body.segment_id as string;

    expect((await call(ws, 'GET', `/segments/${id}`)).body).toEqual(created.body);
    const second = await call(ws, 'POST', '/segments', { name: 'Companies with two active people', entity: 'company', rules: { all: [{ last_seen_within_days: 14 }] } });
    expect(second.status).toBe(201);
    expect((await call(ws, 'GET', '/segments')).body.data.map((s: { segment_id: string }) => s.segment_id)).toEqual([second.body.segment_id, id]);

    const renamed = await call(ws, 'PATCH', `/segments/${id}`, { name: 'Pricing hunters' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Pricing hunters', version: 1 });
    const edited = await call(ws, 'PATCH', `/segments/${id}`, { rules: { any: [{ tag: 'vip' }] }, emit_on_backfill: true });
    expect(edited.body).toMatchObject({ rules: { any: [{ tag: 'vip' }] }, emit_on_backfill: true, version: 2 });
    expect(Date.parse(edited.body.last_modified_on)).toBeGreaterThanOrEqual(Date.parse(created.body.last_modified_on));

    expect((await call(ws, 'DELETE', `/segments/${id}`)).status).toBe(204);
    expect((await call(ws, 'GET', `/segments/${id}`)).status).toBe(404);
    expect((await call(ws, 'DELETE', `/segments/${id}`)).status).toBe(404);
  });

  it('refuses bad rules with 400 and the path of the bad condition', async () => {
    const ws = await workspace('Segments validation');
    const bad = await call(ws, 'POST', '/segments', { name: 'Bad', rules: { all: [{ tag: 'ok' }, { any: [{ field: 'person.job_title', op: 'in', value: 'CEO' }] }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(Object.keys(bad.body.details).some((path) => path.startsWith('rules.all.1'))).toBe(true);
    const unknownField = await call(ws, 'POST', '/segments', { name: 'Bad', rules: { all: [{ field: 'secret.key', op: 'eq', value: 'x' }] } });
    expect(unknownField.status).toBe(400);
    const emptyPatch = await call(ws, 'POST', '/segments', pricingHunters).then((c) => call(ws, 'PATCH', `/segments/${c.body.segment_id}`, {}));
    expect(emptyPatch.status).toBe(400);
    const entityChange = await call(ws, 'POST', '/segments', pricingHunters).then((c) => call(ws, 'PATCH', `/segments/${c.body.segment_id}`, { entity: 'company' }));
    expect(entityChange.status).toBe(400);
    // Nothing was stored by the refused requests.
    expect((await call(ws, 'GET', '/segments')).body.data).toHaveLength(2);
  });

  it("keeps each workspace's segments to itself, and needs a secret key", async () => {
    const [a, b] = [await workspace('Segments A'), await workspace('Segments B')];
    const mine = await call(a, 'POST', '/segments', pricingHunters);
    const id = mine.body.segment_id as string;
    expect((await call(b, 'GET', `/segments/${id}`)).status).toBe(404);
    expect((await call(b, 'PATCH', `/segments/${id}`, { name: 'Stolen' })).status).toBe(404);
    expect((await call(b, 'DELETE', `/segments/${id}`)).status).toBe(404);
    expect((await call(b, 'GET', '/segments')).body.data).toEqual([]);
    expect((await call(a, 'GET', `/segments/${id}`)).body.name).toBe(pricingHunters.name);
    expect((await call(a, 'GET', '/segments', undefined, a.publishableKey)).status).toBe(403);
  });
});
