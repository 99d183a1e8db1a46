import { Webhook } from 'standardwebhooks';
import { personStateQuery, segmentBackfillWorkflow, segmentBackfillProgressQuery } from '../../workflows';
import { SegmentMemberModel } from '../../core/segments/segment-member.model';
import { segmentStandingRepository } from '../../core/segments/segment-standing.repository';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { seedPeople } from '../support/seed-people';
import { ingestOk, pageview, roomyWorkspace, uniqueFingerprint, visitorIdOf } from '../support/ingest-helpers';
import { ReceiverPool, type ReceivedRequest } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * Creating or editing a segment backfills it: every existing person is evaluated by the
 * `segment-backfill-<id>` workflow, in slices, with progress on GET /segments/:id and in the
 * workflow's query; an edit supersedes a running backfill. Real Temporal, database and receiver.
 */
describe('segment backfill (real Temporal, database and receiver)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    // Short slices: progress is recorded several times over 2,000 people.
    stack = await startTestStack({ env: { SEGMENT_BACKFILL_SLICE: '100ms', PERSON_SCORE_INTERVAL: '300ms', WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });
  const verified = (secret: string, request: ReceivedRequest) => new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: any };
  const plans = ['free', 'pro', 'team'];
  const EDITED = 8_000;
  const planOf = (i: number) => plans[i % 3];

  /** GET /segments/:id until its backfill of `version` completes, keeping every progress seen on the way. */
  async function watchBackfill(ws: TestWorkspace, segmentId: string, version: number): Promise<{ final: any; seen: any[] }> {
    const seen: any[] = [];
    const final = await eventually(async () => {
      const { body } = await call(ws, 'GET', `/segments/${segmentId}`);
      if (body.version === version && body.backfill.status !== 'starting') seen.push(body.backfill);
      return body.version === version && body.backfill.status === 'completed' ? body.backfill : undefined;
    }, 120_000, `the backfill of version ${version}`);
    return { final, seen };
  }

  async function memberIds(ws: TestWorkspace, segmentId: string): Promise<string[]> {
    const ids: string[] = [];
    let before: string | null = null;
    do {
      const page: ApiResponse = await call(ws, 'GET', `/segments/${segmentId}/members?limit=100${before ? `&before=${before}` : ''}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.data.map((v: any) => v.id));
      before = page.body.nextBefore;
    } while (before);
    return ids.sort();
  }

  it('backfills 2,000 people with progress readable while it runs, finds exactly the members, emits nothing by default, and stays in its workspace', async () => {
    const ws = await roomyWorkspace(stack, 'Backfill 2000');
    const other = await roomyWorkspace(stack, 'Backfill neighbour');
    const people = await seedPeople({ workspaceId: ws.id, count: 2_000, prefix: 'bf', attributes: (i) => ({ plan: planOf(i), seats: i % 50 }) });
    // The neighbour's people all match: none may show up in the segment.
    await seedPeople({ workspaceId: other.id, count: 200, prefix: 'bfn', attributes: () => ({ plan: 'pro', seats: 49 }) });
    const receiver = await receivers.start();
    expect((await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_qualified'] })).status).toBe(201);

    const created = await call(ws, 'POST', '/segments', { name: 'Pro with seats', rules: { all: [{ attribute: 'plan', op: 'eq', value: 'pro' }, { attribute: 'seats', op: 'gte', value: 10 }] } });
    expect(created.status).toBe(201);
    expect(created.body.backfill).toMatchObject({ workflow_id: `segment-backfill-${created.body.segment_id}` });
    const { final, seen } = await watchBackfill(ws, created.body.segment_id, 1);

    const expected = people.filter((_, i) => planOf(i) === 'pro' && i % 50 >= 10).sort();
    expect(final).toMatchObject({ status: 'completed', processed: 2_000, total: 2_000, qualified: expected.length, started_at: expect.any(String), finished_at: expect.any(String) });
    // Progress was readable on the way: counts that only grow, some of them short of the total.
    const processed = seen.map((b) => b.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(seen.some((b) => b.status === 'running' && b.processed > 0 && b.processed < 2_000)).toBe(true);
    expect(seen.every((b) => b.total === null || b.total === 2_000)).toBe(true);
    // The workflow's own query says the same.
    const handle = stack.temporal.workflow.getHandle(workflowIds.segmentBackfill(created.body.segment_id));
    expect(await handle.query(segmentBackfillProgressQuery)).toMatchObject({ status: 'completed', processed: 2_000, qualified: expected.length });
    expect(await handle.result()).toMatchObject({ status: 'completed' });

    expect(await memberIds(ws, created.body.segment_id)).toEqual(expected);
    const standing = await segmentStandingRepository.findById(expected[0]);
    expect(standing?.standings[created.body.segment_id]).toMatchObject({ member: true, changes: 1 });
    // Members found by a backfill are not announced unless the segment asks.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.requests).toHaveLength(0);
    // The neighbour's people are not in it, and the neighbour cannot see the segment.
    expect(await SegmentMemberModel.countDocuments({ segmentId: created.body.segment_id, workspaceId: { $ne: ws.id } })).toBe(0);
    expect((await call(other, 'GET', `/segments/${created.body.segment_id}`)).status).toBe(404);
  }, 180_000);

  it('an edit during a backfill supersedes it: the new version completes and membership follows the new rules only', async () => {
    const ws = await roomyWorkspace(stack, 'Backfill edit');
    // Enough people that the first backfill is still going when the edit lands (it stops at its next chunk).
    const people = await seedPeople({ workspaceId: ws.id, count: EDITED, prefix: 'ed', attributes: (i) => ({ plan: planOf(i) }) });
    const created = await call(ws, 'POST', '/segments', { name: 'Plan', rules: { all: [{ attribute: 'plan', op: 'eq', value: 'pro' }] } });
    expect(created.status).toBe(201);
    const segmentId = created.body.segment_id;
    const firstRun = (await stack.temporal.workflow.getHandle(workflowIds.segmentBackfill(segmentId)).describe()).runId;
    // Edit while version 1 is under way.
    await eventually(async () => {
      const { body } = await call(ws, 'GET', `/segments/${segmentId}`);
      return body.backfill.status === 'running' && body.backfill.processed > 0 ? true : undefined;
    }, 60_000, 'the first backfill under way');
    const edited = await call(ws, 'PATCH', `/segments/${segmentId}`, { rules: { any: [{ attribute: 'plan', op: 'eq', value: 'team' }] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, backfill: { status: 'starting' } });
    const { final } = await watchBackfill(ws, segmentId, 2);

    const expected = people.filter((_, i) => planOf(i) === 'team').sort();
    expect(final).toMatchObject({ status: 'completed', processed: EDITED, qualified: expected.length });
    expect(await memberIds(ws, segmentId)).toEqual(expected);
    // The first run was replaced under the same workflow id.
    const first = await stack.temporal.workflow.getHandle(workflowIds.segmentBackfill(segmentId), firstRun).describe();
    expect(first.status.name).toBe('TERMINATED');
    // A name change is not a rules change: no new backfill.
    const renamed = await call(ws, 'PATCH', `/segments/${segmentId}`, { name: 'Team plan' });
    expect(renamed.body).toMatchObject({ version: 2, backfill: { status: 'completed' } });
    // Asked for, it runs again under the same rules, as a new run, with the same result.
    const rerun = await call(ws, 'POST', `/segments/${segmentId}/backfill`);
    expect(rerun.status).toBe(202);
    const again = await eventually(async () => {
      const { body } = await call(ws, 'GET', `/segments/${segmentId}`);
      return body.backfill.status === 'completed' && body.backfill.started_at > final.started_at ? body.backfill : undefined;
    }, 60_000, 'the backfill run again');
    expect(again).toMatchObject({ processed: EDITED, total: EDITED, qualified: expected.length });
    expect(await memberIds(ws, segmentId)).toEqual(expected);
    expect((await call(ws, 'POST', '/segments/seg_nope/backfill')).status).toBe(404);
  }, 180_000);

  it('announces the members a backfill finds when the segment says emit_on_backfill, each once, signed, with the segment', async () => {
    const ws = await roomyWorkspace(stack, 'Backfill emits');
    const identified = await seedPeople({ workspaceId: ws.id, count: 30, prefix: 'em', attributes: (i) => ({ plan: planOf(i) }) });
    // Visitors who never identified are evaluated too.
    const anonymous = await seedPeople({ workspaceId: ws.id, count: 6, prefix: 'em-anon', anonymous: true, attributes: (i) => ({ plan: planOf(i) }) });
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_qualified'] });
    const created = await call(ws, 'POST', '/segments', { name: 'Pro', emit_on_backfill: true, rules: { all: [{ attribute: 'plan', op: 'eq', value: 'pro' }] } });
    await watchBackfill(ws, created.body.segment_id, 1);
    const proOf = (ids: string[]) => ids.filter((_, i) => planOf(i) === 'pro');
    const expected = [...proOf(identified), ...proOf(anonymous)].sort();
    const events = await eventually(async () => (receiver.requests.length >= expected.length ? receiver.requests.map((r) => verified(sub.body.secret, r)) : undefined), 30_000, 'the backfill announcements');
    expect(events.map((e) => e.data.visitor_id).sort()).toEqual(expected);
    expect(events.every((e) => e.type === 'person.segment_qualified' && e.data.segment.id === created.body.segment_id && e.data.segment.name === 'Pro')).toBe(true);
    // An anonymous visitor is no contact: Salespanel's payload says so with a null contact_id and email.
    expect(events.find((e) => e.data.visitor_id === proOf(anonymous)[0])?.data).toMatchObject({ contact_id: null, email: null });
    expect(events.find((e) => e.data.visitor_id === proOf(identified)[0])?.data).toMatchObject({ contact_id: proOf(identified)[0], email: expect.stringContaining('@people.example') });
    expect((await call(ws, 'GET', `/visitors/${expected[0]}`)).body.qualified_segments).toEqual([created.body.segment_id]);
    // Deleting the segment takes it off its members at once.
    expect((await call(ws, 'DELETE', `/segments/${created.body.segment_id}`)).status).toBe(204);
    expect((await call(ws, 'GET', `/visitors/${expected[0]}`)).body.qualified_segments).toEqual([]);
    expect((await segmentStandingRepository.findById(expected[0]))?.standings).toEqual({});
    expect((await call(ws, 'GET', `/segments/${created.body.segment_id}/members`)).status).toBe(404);
  }, 120_000);

  it('backfills a company segment from the people of each company; a windowed membership a backfill finds ends on the person workflow timer', async () => {
    const ws = await roomyWorkspace(stack, 'Backfill companies');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_disqualified'] });
    const ids: Record<string, string> = {};
    for (const email of ['ann@two-people.example', 'ben@two-people.example', 'cat@one-person.example']) {
      const fingerprint = uniqueFingerprint(email.slice(0, 3));
      await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email });
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, `https://${email.split('@')[1]}/pricing`));
      await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fingerprint, `https://${email.split('@')[1]}/pricing?again=1`));
      ids[email] = visitorIdOf(ws, fingerprint);
    }
    for (const id of Object.values(ids)) await eventually(async () => ((await call(ws, 'GET', `/visitors/${id}`)).body.lead_scoring ? true : undefined), 30_000, `${id} scored`);

    const company = await call(ws, 'POST', '/segments', { name: 'Two or more people', entity: 'company', rules: { all: [{ field: 'company.visitor_count', op: 'gte', value: 2 }] } });
    const { final } = await watchBackfill(ws, company.body.segment_id, 1);
    expect(final).toMatchObject({ status: 'completed', processed: 2, total: 2, qualified: 1 });
    const members = await call(ws, 'GET', `/segments/${company.body.segment_id}/members`);
    expect(members.body.data.map((c: { domain: string }) => c.domain)).toEqual(['two-people.example']);

    // A 21.6-second window found by the backfill: the person's workflow is told, and ends the membership on its timer.
    // First let every person's pipeline go quiet (no scoring pending), so only the backfill can time it.
    const stateOf = (id: string) => stack.temporal.workflow.getHandle(workflowIds.person(ws.id, id)).query(personStateQuery);
    for (const id of Object.values(ids)) {
      let scorings = -1;
      await eventually(async () => {
        const before = scorings;
        scorings = (await stateOf(id)).scorings;
        await new Promise((r) => setTimeout(r, 1_000));
        return before === scorings && (await stateOf(id)).scorings === scorings ? true : undefined;
      }, 30_000, `${id} quiet`);
      // Its timer is a grade's decay, days away.
      expect(Date.parse((await stateOf(id)).nextChangeAt ?? '9999-01-01') - Date.now()).toBeGreaterThan(60_000);
    }
    const created = Date.now();
    const windowed = await call(ws, 'POST', '/segments', { name: 'Pricing twice lately', rules: { all: [{ visited: '/pricing*', at_least: 2, within_days: 0.00025 }] } });
    const backfilled = await watchBackfill(ws, windowed.body.segment_id, 1);
    expect(backfilled.final).toMatchObject({ status: 'completed', processed: 3, qualified: 3 });
    // Each person's workflow now wakes when their window passes.
    for (const id of Object.values(ids)) expect(Date.parse((await stateOf(id)).nextChangeAt ?? '9999-01-01') - Date.now()).toBeLessThan(25_000);
    const left = await eventually(async () => {
      const got = receiver.requests.map((r) => verified(sub.body.secret, r)).filter((e) => e.data.segment.id === windowed.body.segment_id);
      return got.length === 3 ? got : undefined;
    }, 60_000, 'three person.segment_disqualified');
    expect(left.map((e) => e.data.visitor_id).sort()).toEqual(Object.values(ids).sort());
    expect(Date.now() - created).toBeLessThan(60_000);
    expect(await memberIds(ws, windowed.body.segment_id)).toEqual([]);
  }, 150_000);

  it('starts from the typed workflow function with its id readable in the Temporal UI', async () => {
    const ws = await roomyWorkspace(stack, 'Backfill id');
    const created = await call(ws, 'POST', '/segments', { name: 'Anyone', rules: { all: [{ last_seen_within_days: 30 }] } });
    const handle = stack.temporal.workflow.getHandle<typeof segmentBackfillWorkflow>(`segment-backfill-${created.body.segment_id}`);
    expect(await handle.result()).toMatchObject({ status: 'completed', processed: 0, total: 0, qualified: 0 });
    const description = await handle.describe();
    expect(await description.memo).toMatchObject({ segmentId: created.body.segment_id, version: 1 });
  }, 60_000);
});
