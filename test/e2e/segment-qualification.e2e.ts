import { Webhook } from 'standardwebhooks';
import { segmentStandingRepository } from '../../core/segments/segment-standing.repository';
import { ingestOk, pageview, roomyWorkspace, uniqueFingerprint, visitorIdOf } from '../support/ingest-helpers';
import { outboxSweepWorkflow } from '../../workflows';
import { ReceiverPool, type ReceivedRequest } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * Person segments qualify an identified person as they act, in their person workflow, and
 * disqualify them on the workflow's timer when a time window passes with no new activity; both
 * arrive as signed webhooks. Real stack: partitions, person workflow, database, HTTP receiver.
 */
describe('segment qualification (real Temporal, database and receiver)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', PERSON_SCORE_INTERVAL: '300ms' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  const verified = (secret: string, request: ReceivedRequest) => new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: any };

  it('qualifies a person who visits /pricing twice, and disqualifies them when the window passes with no new visit; a subscription bound to a segment gets only its events', async () => {
    const ws = await roomyWorkspace(stack, 'Segments qualify');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_qualified', 'person.segment_disqualified'] });
    expect(sub.status).toBe(201);
    // A 21.6-second window (0.00025 days): long enough to qualify on a loaded machine, short enough to pass during the test.
    const pricing = await call(ws, 'POST', '/segments', { name: 'Pricing twice', rules: { all: [{ visited: '/pricing*', at_least: 2, within_days: 0.00025 }] } });
    const other = await call(ws, 'POST', '/segments', { name: 'Seen lately', rules: { all: [{ last_seen_within_days: 30 }] } });
    const never = await call(ws, 'POST', '/segments', { name: 'VIPs', rules: { all: [{ tag: 'vip' }] } });
    expect([pricing.status, other.status, never.status]).toEqual([201, 201, 201]);
    // A subscription bound to one segment gets only that segment's events.
    const boundReceiver = await receivers.start();
    const bound = await call(ws, 'POST', '/webhooks', { url: `${boundReceiver.url}/hook`, events: ['person.segment_qualified', 'person.segment_disqualified'], filters: { segmentIds: [pricing.body.segment_id] } });
    expect(bound.status).toBe(201);
    expect(bound.body.filters).toEqual({ segmentIds: [pricing.body.segment_id] });

    const fingerprint = uniqueFingerprint('seg');
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: 'ada@segments.example', name: 'Ada Lovelace' });
    const visitorId = visitorIdOf(ws, fingerprint);
    const firstVisit = Date.now();
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, 'https://segments.example/pricing', { timestamp: firstVisit }));
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, 'https://segments.example/pricing?plan=pro', { timestamp: firstVisit + 500 }));

    const events = () => receiver.requests.map((r) => verified(sub.body.secret, r));
    // "Seen lately" may qualify first, on the identify alone: look for the pricing segment's event.
    const qualified = await eventually(async () => events().find((e) => e.type === 'person.segment_qualified' && e.data.segment.id === pricing.body.segment_id), 30_000, 'person.segment_qualified');
    expect(qualified.data).toMatchObject({ visitor_id: visitorId, contact_id: visitorId, email: 'ada@segments.example', segment: { id: pricing.body.segment_id, name: 'Pricing twice' }, qualified_at: expect.any(String) });
    // The event goes out before the standing is stored (a retry then re-sends the same event id): wait for it.
    const standing = await eventually(async () => {
      const doc = await segmentStandingRepository.findById(visitorId);
      return doc?.standings[pricing.body.segment_id]?.member ? doc : undefined;
    }, 20_000, 'the standing stored');
    expect(standing?.standings[pricing.body.segment_id]).toMatchObject({ member: true, changes: 1 });
    // Never a member: nothing to store.
    expect(standing?.standings[never.body.segment_id]).toBeUndefined();
    // Salespanel's visitor object lists them, by id or by email.
    const both = [pricing.body.segment_id, other.body.segment_id].sort();
    expect((await call(ws, 'GET', `/visitors/${visitorId}`)).body.qualified_segments.sort()).toEqual(both);
    expect((await call(ws, 'GET', '/visitors/ada@segments.example')).body.qualified_segments.sort()).toEqual(both);

    // No new visit: the person workflow's timer fires when the first visit leaves the window.
    const disqualified = await eventually(async () => events().find((e) => e.type === 'person.segment_disqualified'), 60_000, 'person.segment_disqualified');
    expect(disqualified.data).toMatchObject({ visitor_id: visitorId, segment: { id: pricing.body.segment_id }, disqualified_at: expect.any(String) });
    // It left at the window's end (first visit + 21.6 s), not before.
    expect(Date.parse(disqualified.data.disqualified_at)).toBeGreaterThanOrEqual(firstVisit + 21_600);
    await eventually(async () => ((await call(ws, 'GET', `/visitors/${visitorId}`)).body.qualified_segments.length === 1 ? true : undefined), 20_000, 'the standing stored');
    expect((await call(ws, 'GET', `/visitors/${visitorId}`)).body.qualified_segments).toEqual([other.body.segment_id]);
    expect((await call(ws, 'GET', `/segments/${pricing.body.segment_id}/members`)).body).toEqual({ data: [], nextBefore: null });
    expect((await call(ws, 'GET', `/segments/${other.body.segment_id}/members`)).body.data.map((v: { id: string }) => v.id)).toEqual([visitorId]);
    // Each transition once, nothing for the segment the person never entered, and the bound subscription only its segment's.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events().map((e) => `${e.type} ${e.data.segment.name}`).sort()).toEqual(['person.segment_disqualified Pricing twice', 'person.segment_qualified Pricing twice', 'person.segment_qualified Seen lately']);
    const boundEvents = boundReceiver.requests.map((r) => verified(bound.body.secret, r));
    expect(boundEvents.map((e) => `${e.type} ${e.data.segment.name}`).sort()).toEqual(['person.segment_disqualified Pricing twice', 'person.segment_qualified Pricing twice']);
  }, 120_000);

  it('qualifies an anonymous visitor in the batch that changed them, and ends a window at the minute sweep', async () => {
    const ws = await roomyWorkspace(stack, 'Segments anonymous');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_qualified', 'person.segment_disqualified'] });
    // 21.6 seconds, as above.
    const segment = await call(ws, 'POST', '/segments', { name: 'Pricing twice, anonymous', rules: { all: [{ visited: '/pricing*', at_least: 2, within_days: 0.00025 }] } });
    expect(segment.status).toBe(201);
    const fingerprint = uniqueFingerprint('anon');
    const visitorId = visitorIdOf(ws, fingerprint);
    const firstVisit = Date.now();
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, 'https://anon.example/pricing', { timestamp: firstVisit }));
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, 'https://anon.example/pricing?again=1', { timestamp: firstVisit + 500 }));
    const events = () => receiver.requests.map((r) => verified(sub.body.secret, r)).filter((e) => e.data.segment.id === segment.body.segment_id);
    const qualified = await eventually(async () => events().find((e) => e.type === 'person.segment_qualified'), 30_000, 'person.segment_qualified');
    expect(qualified.data).toMatchObject({ visitor_id: visitorId, contact_id: null, email: null, segment: { name: 'Pricing twice, anonymous' } });
    expect((await call(ws, 'GET', `/visitors/${visitorId}`)).body.qualified_segments).toEqual([segment.body.segment_id]);
    // No workflow times an anonymous visitor: the standing carries the window's end for the sweep.
    const standing = await eventually(async () => (await segmentStandingRepository.findById(visitorId))?.expiresAt ?? undefined, 20_000, 'the expiry stored');
    expect(standing.getTime()).toBe(firstVisit + 21_600);
    const sweep = () => stack.temporal.workflow.execute(outboxSweepWorkflow, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `test-sweep-${uniqueFingerprint('s')}`, args: [] });
    if (Date.now() < standing.getTime()) {
      await sweep(); // too early: nothing ends
      expect(events().some((e) => e.type === 'person.segment_disqualified')).toBe(false);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, standing.getTime() - Date.now() + 100)));
    expect((await sweep()).segmentsEvaluated).toBeGreaterThanOrEqual(1);
    const left = await eventually(async () => events().find((e) => e.type === 'person.segment_disqualified'), 20_000, 'person.segment_disqualified');
    expect(left.data).toMatchObject({ visitor_id: visitorId, contact_id: null, disqualified_at: expect.any(String) });
    expect((await segmentStandingRepository.findById(visitorId))?.expiresAt).toBeNull();
    expect((await call(ws, 'GET', `/visitors/${visitorId}`)).body.qualified_segments).toEqual([]);
  }, 90_000);

  it('qualifies a company from two of its people together, though neither qualifies alone; the company object lists the segment', async () => {
    const ws = await roomyWorkspace(stack, 'Company segments');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['company.segment_qualified', 'person.segment_qualified'] });
    const rules = { all: [{ visited: '/pricing*', at_least: 2, within_days: 7 }] };
    const company = await call(ws, 'POST', '/segments', { name: 'Accounts on pricing', entity: 'company', rules });
    const person = await call(ws, 'POST', '/segments', { name: 'People on pricing', entity: 'person', rules });
    expect([company.status, person.status]).toEqual([201, 201]);
    const visitorIds: string[] = [];
    for (const name of ['ann', 'ben']) {
      const fingerprint = uniqueFingerprint(`co-${name}`);
      await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: `${name}@acme-segments.example`, name });
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, 'https://acme-segments.example/pricing'));
      visitorIds.push(visitorIdOf(ws, fingerprint));
      // One person's visit is scored before the next person arrives.
      await eventually(async () => ((await call(ws, 'GET', `/visitors/${visitorIds.at(-1)}`)).body.lead_scoring ? true : undefined), 30_000, `${name} scored`);
    }
    const events = () => receiver.requests.map((r) => verified(sub.body.secret, r));
    const qualified = await eventually(async () => events().find((e) => e.type === 'company.segment_qualified'), 30_000, 'company.segment_qualified');
    expect(qualified.data).toMatchObject({ company_id: expect.any(String), domain: 'acme-segments.example', segment: { id: company.body.segment_id, name: 'Accounts on pricing' }, qualified_at: expect.any(String) });
    const members = await call(ws, 'GET', `/segments/${company.body.segment_id}/members`);
    expect(members.body.data).toEqual([expect.objectContaining({ id: qualified.data.company_id, domain: 'acme-segments.example', qualified_segments: [company.body.segment_id] })]);
    const companies = await call(ws, 'GET', '/companies');
    expect(companies.body.data.find((c: { id: string }) => c.id === qualified.data.company_id)).toMatchObject({ qualified_segments: [company.body.segment_id] });
    // Each person visited once: neither is in the person segment.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(events().filter((e) => e.type === 'person.segment_qualified')).toEqual([]);
    expect(events().filter((e) => e.type === 'company.segment_qualified')).toHaveLength(1);
    for (const id of visitorIds) expect((await call(ws, 'GET', `/visitors/${id}`)).body.qualified_segments).toEqual([]);
  }, 90_000);

  it("lists a segment's members newest first, page by page, as visitor objects", async () => {
    const ws = await roomyWorkspace(stack, 'Segments members');
    const segment = await call(ws, 'POST', '/segments', { name: 'Members Inc people', rules: { all: [{ field: 'person.email', op: 'contains', value: '@members.example' }] } });
    const people: string[] = [];
    for (const name of ['ann', 'ben', 'cat']) {
      const fingerprint = uniqueFingerprint(name);
      await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: `${name}@members.example` });
      people.push(visitorIdOf(ws, fingerprint));
      // One at a time, so they join in this order.
      await eventually(async () => ((await call(ws, 'GET', `/visitors/${people.at(-1)}`)).body.qualified_segments?.includes(segment.body.segment_id) ? true : undefined), 30_000, `${name} qualified`);
    }
    const first = await call(ws, 'GET', `/segments/${segment.body.segment_id}/members?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((v: { id: string }) => v.id)).toEqual([people[2], people[1]]);
    expect(first.body.data[0]).toMatchObject({ email: 'cat@members.example', qualified_segments: [segment.body.segment_id] });
    const second = await call(ws, 'GET', `/segments/${segment.body.segment_id}/members?limit=2&before=${encodeURIComponent(first.body.nextBefore)}`);
    expect(second.body).toMatchObject({ data: [{ id: people[0] }], nextBefore: null });
    // Another workspace cannot list them.
    const outsider = await roomyWorkspace(stack, 'Segments outsider');
    expect((await call(outsider, 'GET', `/segments/${segment.body.segment_id}/members`)).status).toBe(404);
  }, 90_000);

  it("evaluates only the person's own workspace's segments", async () => {
    const [a, b] = [await roomyWorkspace(stack, 'Segments A'), await roomyWorkspace(stack, 'Segments B')];
    const segmentOfA = await call(a, 'POST', '/segments', { name: 'Everyone seen lately', rules: { all: [{ last_seen_within_days: 30 }] } });
    const fingerprint = uniqueFingerprint('iso');
    await ingestOk(stack, b.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: 'bob@isolation.example' });
    await ingestOk(stack, b.publishableKey, 'pageview', pageview(fingerprint, 'https://isolation.example/'));
    const visitorId = visitorIdOf(b, fingerprint);
    // B's person is scored (their lead gets a score) but stands in no segment of A.
    await eventually(async () => ((await call(b, 'GET', `/visitors/${visitorId}`)).body.lead_scoring ? true : undefined), 30_000, 'the person scored');
    const standing = await segmentStandingRepository.findById(visitorId);
    expect(standing?.standings[segmentOfA.body.segment_id]).toBeUndefined();
  }, 60_000);
});
