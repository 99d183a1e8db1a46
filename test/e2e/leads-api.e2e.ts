import { Webhook } from 'standardwebhooks';
import type { LeadDoc } from '../../core/leads/lead.model';
import { leadRepository } from '../../core/leads/lead.repository';
import { leadIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import { ReceiverPool } from '../support/receiver';
import { startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

interface Page<T = any> {
  data: T[];
  nextBefore: string | null;
}

/** Leads API (list, get, PATCH → lead.updated) against the real API, database, Temporal worker and an HTTP receiver. */
describe('leads API (real Temporal, database and HTTP receiver)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const workspace = (name: string) => stack.createWorkspace(name, { rateLimits: { perMinute: 10_000, perDay: 100_000 } });
  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown, key = ws.secretKey): Promise<ApiResponse<T>> =>
    stack.request<T>(method, `/api/v1${path}`, { key, body });
  const ids = (res: ApiResponse<Page>) => res.body.data.map((item: { id: string }) => item.id);

  let serial = 0;
  async function seedLead(ws: TestWorkspace, createdAt: Date, over: Partial<LeadDoc> = {}): Promise<LeadDoc> {
    const visitorId = visitorIdFor(ws.id, `fp:lead-${serial++}`);
    const lead: LeadDoc = {
      _id: leadIdFor(visitorId),
      workspaceId: ws.id,
      visitorId,
      email: `person${serial}@example.com`,
      fullName: 'Jane Doe',
      phone: null,
      leadSource: 'google',
      utmSource: 'google',
      utmMedium: 'cpc',
      utmCampaign: 'spring',
      status: 'new',
      value: null,
      createdAt,
      updatedAt: createdAt,
      ...over,
    };
    expect(await leadRepository.insertIfAbsent(lead)).toBe(true);
    return lead;
  }

  function expectValidationError(res: ApiResponse, ...fields: string[]) {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    for (const field of fields) expect(res.body.details?.[field]).toEqual([expect.any(String)]);
  }

  const leadUpdatedEvents = async (ws: TestWorkspace) => (await call<Page>(ws, 'GET', '/events?type=lead.updated&limit=100')).body.data;

  describe('reading', () => {
    it('shows a lead as the lead.created payload plus updated_at; a repeated insert keeps the first', async () => {
      const ws = await workspace('Lead get');
      const createdAt = new Date('2026-04-20T18:30:15.000Z');
      const lead = await seedLead(ws, createdAt, { phone: '+1 555 0100', value: 2400, status: 'contacted' });
      expect(await leadRepository.insertIfAbsent({ ...lead, fullName: 'Someone Else' })).toBe(false);

      const res = await call(ws, 'GET', `/leads/${lead._id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: lead._id,
        visitor_id: lead.visitorId,
        full_name: 'Jane Doe',
        email: lead.email,
        phone: '+1 555 0100',
        lead_source: 'google',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        status: 'contacted',
        value: 2400,
        created_at: '2026-04-20T18:30:15.000Z',
        updated_at: '2026-04-20T18:30:15.000Z',
        // Seeded without a tracked visitor: never scored, nothing to enrich.
        lead_scoring: null,
        enrichment: null,
      });
      expect((await call(ws, 'GET', '/leads/lead_unknown')).body).toEqual({ error: 'Lead not found', code: 'not_found' });
    });

    it('lists newest first with status and since filters, and pages without duplicates or gaps while leads arrive', async () => {
      const ws = await workspace('Lead list');
      const now = Date.now();
      const seeded: LeadDoc[] = [];
      // Two share a createdAt: the cursor's id part must keep both.
      for (const [i, offset] of [60_000, 50_000, 40_000, 40_000, 30_000, 20_000].entries()) {
        seeded.push(await seedLead(ws, new Date(now - offset), { status: i % 2 === 0 ? 'new' : 'qualified' }));
      }
      const newestFirst = (rows: LeadDoc[]) => [...rows].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y._id > x._id ? 1 : -1)).map((l) => l._id);
      const expected = newestFirst(seeded);

      const seen: string[] = [];
      let before: string | null = null;
      const arrivals: LeadDoc[] = [];
      do {
        const res: ApiResponse<Page> = await call(ws, 'GET', `/leads?limit=4${before ? `&before=${encodeURIComponent(before)}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...ids(res));
        before = res.body.nextBefore;
        if (before) {
          expect(before).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z~lead_[A-Za-z0-9_]+$/);
          arrivals.push(await seedLead(ws, new Date())); // a new lead between page reads is newer than the cursor
        }
      } while (before);
      expect(seen).toEqual(expected);
      expect(arrivals).toHaveLength(1);

      const qualified = seeded.filter((l) => l.status === 'qualified');
      expect(ids(await call(ws, 'GET', '/leads?status=qualified'))).toEqual(newestFirst(qualified));
      const recent = [...arrivals, ...seeded].filter((l) => l.createdAt.getTime() >= now - 40_000);
      expect(ids(await call(ws, 'GET', `/leads?status=new&since=${encodeURIComponent(new Date(now - 40_000).toISOString())}`))).toEqual(newestFirst(recent.filter((l) => l.status === 'new')));
      expect((await call<Page>(ws, 'GET', '/leads?limit=100')).body.data).toHaveLength(seeded.length + arrivals.length);
    });

    it('rejects bad list queries with field details', async () => {
      const ws = await workspace('Lead list 400');
      expectValidationError(await call(ws, 'GET', '/leads?status=won'), 'query.status');
      expectValidationError(await call(ws, 'GET', '/leads?since=yesterday&limit=0'), 'query.since', 'query.limit');
      expectValidationError(await call(ws, 'GET', '/leads?before=~~'), 'query.before');
    });
  });

  describe('PATCH /leads/:id', () => {
    it('delivers lead.updated with exactly the changed fields to a real webhook; no change, no event', async () => {
      const ws = await workspace('Lead patch');
      const receiver = await receivers.start();
      const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['lead.updated'] });
      expect(sub.status).toBe(201);
      const lead = await seedLead(ws, new Date('2026-04-20T18:30:15.000Z'));

      const patched = await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'qualified' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: lead._id, status: 'qualified', value: null, created_at: '2026-04-20T18:30:15.000Z' });
      expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(lead.updatedAt.getTime());
      expect((await call(ws, 'GET', `/leads/${lead._id}`)).body).toEqual({ ...patched.body, enrichment: null });

      const [request] = await receiver.waitForRequests(1);
      const delivered = new Webhook(sub.body.secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
      const { updated_at: _updatedAt, lead_scoring: _scoring, ...leadState } = patched.body;
      expect(delivered.type).toBe('lead.updated');
      expect(delivered.data).toEqual({ ...leadState, updated_at: patched.body.updated_at, changes: { status: { from: 'new', to: 'qualified' } } });

      // Same status again plus a new value: only the value is a change.
      const valued = await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'qualified', value: 1200.5 });
      expect(valued.body).toMatchObject({ status: 'qualified', value: 1200.5 });
      await receiver.waitForRequests(2);
      expect(JSON.parse(receiver.requests[1].body).data.changes).toEqual({ value: { from: null, to: 1200.5 } });

      // Nothing changes: 200 with the lead as it is, nothing stored, nothing sent.
      const eventsBefore = await leadUpdatedEvents(ws);
      expect(eventsBefore).toHaveLength(2);
      const unchanged = await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'qualified', value: 1200.5 });
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toEqual(valued.body);
      expect(await leadUpdatedEvents(ws)).toEqual(eventsBefore);

      // Clearing the value and changing status in one call: both listed; then the receiver has seen exactly three.
      const both = await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'closed_won', value: null });
      expect(both.body).toMatchObject({ status: 'closed_won', value: null });
      await receiver.waitForRequests(3);
      expect(JSON.parse(receiver.requests[2].body).data).toMatchObject({ status: 'closed_won', value: null, changes: { status: { from: 'qualified', to: 'closed_won' }, value: { from: 1200.5, to: null } } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.requests).toHaveLength(3);
    });

    it('rejects empty, unknown and invalid fields with details, changing nothing', async () => {
      const ws = await workspace('Lead patch 400');
      const lead = await seedLead(ws, new Date());
      expectValidationError(await call(ws, 'PATCH', `/leads/${lead._id}`, {}), '_');
      expectValidationError(await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'won', value: -1 }), 'status', 'value');
      expectValidationError(await call(ws, 'PATCH', `/leads/${lead._id}`, { value: '10' }), 'value');
      expectValidationError(await call(ws, 'PATCH', `/leads/${lead._id}`, { status: 'qualified', email: 'x@example.com' }), 'email');
      expect((await call(ws, 'GET', `/leads/${lead._id}`)).body).toMatchObject({ status: 'new', value: null });
      expect(await leadUpdatedEvents(ws)).toEqual([]);
      expect((await call(ws, 'PATCH', '/leads/lead_unknown', { status: 'qualified' })).body).toEqual({ error: 'Lead not found', code: 'not_found' });
    });
  });

  describe('tenant isolation and keys', () => {
    it("treats another workspace's leads as unknown and never lists them", async () => {
      const a = await workspace('Tenant A');
      const b = await workspace('Tenant B');
      const leadA = await seedLead(a, new Date());
      const leadB = await seedLead(b, new Date());

      for (const [method, body] of [['GET'], ['PATCH', { status: 'closed_lost' }]] as Array<[string, unknown?]>) {
        const res = await call(b, method, `/leads/${leadA._id}`, body);
        expect({ method, status: res.status, body: res.body }).toEqual({ method, status: 404, body: { error: 'Lead not found', code: 'not_found' } });
      }
      expect(ids(await call(b, 'GET', '/leads?limit=100'))).toEqual([leadB._id]);
      expect(ids(await call(b, 'GET', '/leads?status=new'))).toEqual([leadB._id]);
      expect((await call(a, 'GET', `/leads/${leadA._id}`)).body.status).toBe('new');
      expect(await leadUpdatedEvents(a)).toEqual([]);
      expect(await leadUpdatedEvents(b)).toEqual([]);
    });

    it("reads need the 'read' scope, PATCH the 'write' scope; publishable keys get 403, no key 401", async () => {
      const ws = await workspace('Lead keys');
      const lead = await seedLead(ws, new Date());
      const keyWith = async (scopes: string[]) => (await stack.admin('POST', `/workspaces/${ws.id}/keys`, { kind: 'secret', scopes })).body.key as string;
      const [readKey, writeKey] = [await keyWith(['read']), await keyWith(['write'])];
      const patch = { status: 'contacted' };

      for (const [method, path, body] of [
        ['GET', '/leads'],
        ['GET', `/leads/${lead._id}`],
        ['PATCH', `/leads/${lead._id}`, patch],
      ] as Array<[string, string, unknown?]>) {
        const publishable = await call(ws, method, path, body, ws.publishableKey);
        expect({ method, path, status: publishable.status, code: publishable.body.code }).toEqual({ method, path, status: 403, code: 'forbidden' });
        expect((await stack.request(method, `/api/v1${path}`, { body })).status).toBe(401);
      }
      expect((await call(ws, 'GET', '/leads', undefined, readKey)).status).toBe(200);
      expect((await call(ws, 'GET', '/leads', undefined, writeKey)).status).toBe(403);
      const refused = await call(ws, 'PATCH', `/leads/${lead._id}`, patch, readKey);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatch(/'write' scope/);
      expect((await call(ws, 'GET', `/leads/${lead._id}`, undefined, readKey)).body.status).toBe('new');
      expect((await call(ws, 'PATCH', `/leads/${lead._id}`, patch, writeKey)).body.status).toBe('contacted');
    });
  });
});
