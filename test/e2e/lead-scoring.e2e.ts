import { NativeConnection, type Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { leadIdFor } from '../../core/visitors/visitor-ids';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { PersonEnrichmentModel } from '../../core/enrichment/person-enrichment.model';
import { personEnrichmentIdFor } from '../../core/enrichment/person-enrichment.repository';
import { createActivities } from '../../activities';
import { createEnrichmentWorker } from '../../worker/create-worker';
import { personStateQuery, personWorkflow } from '../../workflows';
import { ReceiverPool, type ReceivedRequest, type TestReceiver } from '../support/receiver';
import { eventually, startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';
import { ingestOk, roomyWorkspace, uniqueFingerprint, visitorIdOf } from '../support/ingest-helpers';

/**
 * Identify → enrich → score on the real stack: the person workflow, the three providers on their
 * own rate-limited task queues (the HTTP one served by a local fake), lead scoring with its
 * webhooks verified as a subscriber would, the decay timer, and the re-score after a rules edit.
 */
describe('lead scoring and enrichment (real Temporal, database, HTTP provider and receiver)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({
      env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '2s', ENRICH_RETRY_INITIAL: '300ms', ENRICH_RETRY_MAX_INTERVAL: '1s', ENRICH_RATE_HTTP: '2', PERSON_SCORE_INTERVAL: '500ms' },
    });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const call = <T = any>(ws: TestWorkspace, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => stack.request<T>(method, `/api/v1${path}`, { key: ws.secretKey, body });

  /** A fake enrichment service: answers per the script, records what it was asked. */
  async function fakeProvider(answer: (req: ReceivedRequest) => { status: number; body: string } = () => ({ status: 200, body: JSON.stringify(northwind) })): Promise<TestReceiver> {
    const provider = await receivers.start();
    provider.fallback = (res, req) => {
      const { status, body } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    return provider;
  }
  const northwind = { person: { title: 'Head of Growth' }, company: { industry: 'Software Development', employees: 120, linkedin: 'https://www.linkedin.com/company/northwind' } };

  async function useHttpProvider(ws: TestWorkspace, provider: TestReceiver, extra: Record<string, unknown> = {}): Promise<void> {
    const res = await call(ws, 'PUT', '/enrichment', {
      providers: {
        'email-domain': { enabled: true },
        'ip-network': { enabled: true },
        http: {
          enabled: true,
          url: `${provider.url}/enrich`,
          auth_header: { name: 'authorization', value: 'Bearer provider-token-1234' },
          mapping: { 'person_details.job_title': 'person.title', 'company_details.industry': 'company.industry', 'company_details.employee_range': 'company.employees', 'company_details.linkedin': 'company.linkedin' },
          timeout_ms: 2000,
        },
      },
      cache_ttl_hours: 24,
      ...extra,
    });
    expect(res.status).toBe(200);
    expect(res.body.providers.http.auth_header.value).not.toContain('provider-token');
  }

  /** Rules where a work email at a 51+ person company is hot on its own. */
  const fitRules = {
    rules: [
      { id: 'work-email', type: 'work_email', points: 30 },
      { id: 'mid-market', type: 'company_size', employee_ranges: ['51-200', '201-500'], points: 40 },
      { id: 'pricing', type: 'page_visit', url: '*/pricing*', points: 10, max_points: 30 },
    ],
    decay: { half_life_days: 14 },
    grades: { hot: 70, warm: 30 },
    qualifying_grade: 'hot',
    emit_on_every_change: false,
  };

  async function identify(ws: TestWorkspace, email: string, extra: Record<string, unknown> = {}): Promise<{ visitorId: string; leadId: string }> {
    const fingerprint = uniqueFingerprint('person');
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email, name: 'Maya Patel', ...extra });
    const visitorId = visitorIdOf(ws, fingerprint);
    return { visitorId, leadId: leadIdFor(visitorId) };
  }

  const verified = (secret: string, request: ReceivedRequest) => new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: any };
  const lead = (ws: TestWorkspace, leadId: string) => call(ws, 'GET', `/leads/${leadId}`).then((r) => r.body);

  it('identify → HTTP enrichment → score: lead.scored and prospect.qualified arrive signed, the lead shows scoring and enrichment', async () => {
    const ws = await roomyWorkspace(stack, 'Scoring pipeline');
    const provider = await fakeProvider();
    await useHttpProvider(ws, provider);
    expect((await call(ws, 'PUT', '/scoring', fitRules)).status).toBe(200);
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['lead.scored', 'prospect.qualified', 'company.identified'] });
    expect(sub.status).toBe(201);

    const { visitorId, leadId } = await identify(ws, 'maya@northwind-analytics.com', { ip: '8.8.8.8' });
    const qualified = await eventually(async () => receiver.requests.map((r) => verified(sub.body.secret, r)).find((e) => e.type === 'prospect.qualified'), 30_000, 'prospect.qualified');
    expect(qualified.data).toMatchObject({
      id: leadId,
      lead_id: leadId,
      visitor_id: visitorId,
      status: 'qualified',
      lead_potential: 'high',
      grade: 'hot',
      email: 'maya@northwind-analytics.com',
      contact: { full_name: 'Maya Patel', email: 'maya@northwind-analytics.com', job_title: 'Head of Growth' },
      company: { domain: 'northwind-analytics.com', industry: 'Software Development', employee_range: '51-200' },
    });
    expect(qualified.data.classification_confidence).toBeGreaterThan(0);
    expect(qualified.data.lead_reasoning).toEqual(expect.any(String));

    // Deliveries of different events arrive in any order: the latest score is the one scored last.
    const scoredInOrder = () => receiver.requests.map((r) => verified(sub.body.secret, r)).filter((e) => e.type === 'lead.scored').sort((a, b) => a.data.scored_at.localeCompare(b.data.scored_at));
    const scored = await eventually(async () => { const all = scoredInOrder(); return all.at(-1)?.data.grade === 'hot' ? all : undefined; }, 30_000, 'lead.scored hot');
    expect(scored.at(-1)?.data).toMatchObject({ lead_id: leadId, grade: 'hot', lead_potential: 'high' });
    expect(scored.at(-1)?.data.reasoning.map((r: { rule_id: string }) => r.rule_id).sort()).toEqual(['mid-market', 'work-email']);
    expect(receiver.requests.map((r) => verified(sub.body.secret, r)).some((e) => e.type === 'company.identified' && e.data.domain === 'northwind-analytics.com')).toBe(true);

    // The provider was called with the person, and the configured auth header.
    const asked = provider.requests.find((r) => r.path === '/enrich');
    expect(asked?.headers.authorization).toBe('Bearer provider-token-1234');
    expect(JSON.parse(asked?.body ?? '{}')).toMatchObject({ email: 'maya@northwind-analytics.com', domain: 'northwind-analytics.com', ip: '8.8.8.8', name: 'Maya Patel' });

    // The three providers answer in the background (the ASN data loads on first use): wait for all.
    const detail = await eventually(async () => {
      const d = await lead(ws, leadId);
      return ['email-domain', 'ip-network', 'http'].every((p) => d.enrichment?.providers[p]?.status === 'ok') ? d : undefined;
    }, 30_000, 'every provider answered');
    expect(detail.lead_scoring).toMatchObject({ grade: 'hot', lead_potential: 'high', qualified_at: expect.any(String) });
    expect(detail.lead_scoring.lead_score).toBeGreaterThanOrEqual(70);
    expect(detail.enrichment.providers.http).toMatchObject({ status: 'ok', fields: { person_details: { job_title: 'Head of Growth' } } });
    expect(detail.enrichment.providers['email-domain'].fields.extra.work_email).toBe(true);
    expect(detail.enrichment.providers['ip-network'].fields.extra).toMatchObject({ network_type: 'hosting' });
    expect(detail.enrichment.company_details).toMatchObject({ domain: 'northwind-analytics.com', industry: 'Software Development' });
    // 8.8.8.8 is Google's network: flagged, never reported as the visitor's company.
    expect(detail.enrichment.company_details.name).not.toMatch(/google/i);

    const hot = await call(ws, 'GET', '/leads?grade=hot');
    expect(hot.body.data.map((l: { id: string }) => l.id)).toEqual([leadId]);
    expect((await call(ws, 'GET', '/leads?grade=cold')).body.data).toEqual([]);
    const visitor = await call(ws, 'GET', `/visitors/${visitorId}`);
    expect(visitor.body.lead_scoring).toMatchObject({ grade: 'hot' });

    // The operator's view: the person's workflow, its search attributes and its state query.
    const handle = stack.temporal.workflow.getHandle(workflowIds.person(ws.id, visitorId));
    const state = await handle.query(personStateQuery);
    expect(state).toMatchObject({ grade: 'hot', email: 'maya@northwind-analytics.com' });
    // 'cache_hit' when its activity was retried after it had stored the answer (a loaded machine can time an attempt out).
    expect(['ok', 'cache_hit']).toContain(state.enrichment.http.status);
    const found = await eventually(async () => {
      for await (const wf of stack.temporal.workflow.list({ query: `SignalboxEmail = "maya@northwind-analytics.com" AND SignalboxGrade = "hot"` })) return wf;
      return undefined;
    });
    expect(found.workflowId).toBe(workflowIds.person(ws.id, visitorId));

    // prospect.qualified is once: more activity re-scores but never qualifies it again.
    const before = state.scorings;
    await ingestOk(stack, ws.secretKey, 'identify', { email: 'maya@northwind-analytics.com', phone: '+1 415-555-0132' });
    await eventually(async () => ((await handle.query(personStateQuery)).scorings > before ? true : undefined), 20_000, 'scored again');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.map((r) => verified(sub.body.secret, r)).filter((e) => e.type === 'prospect.qualified')).toHaveLength(1);
  });

  it('a provider that is down is retried with backoff while scoring goes on; it enriches once it is back', async () => {
    const ws = await roomyWorkspace(stack, 'Provider down');
    let failing = 3;
    const provider = await fakeProvider(() => (failing-- > 0 ? { status: 503, body: '{"error":"down"}' } : { status: 200, body: JSON.stringify(northwind) }));
    await useHttpProvider(ws, provider);
    const { leadId } = await identify(ws, 'sam@acme-rockets.com');

    // Scored from what is known while the HTTP provider is still failing.
    const early = await eventually(async () => ((await lead(ws, leadId)).lead_scoring ? lead(ws, leadId) : undefined), 20_000, 'first score');
    expect(early.lead_scoring.grade).toEqual(expect.any(String));

    const enriched = await eventually(async () => {
      const detail = await lead(ws, leadId);
      return detail.enrichment?.providers.http?.status === 'ok' ? detail : undefined;
    }, 30_000, 'enriched after the outage');
    expect(enriched.enrichment.person_details.job_title).toBe('Head of Growth');
    const calls = (await call(ws, 'GET', `/leads/${leadId}/enrichment-calls?limit=50`)).body.data.filter((c: { provider: string }) => c.provider === 'http');
    expect(calls.filter((c: { outcome: string }) => c.outcome === 'error').map((c: { error_class: string }) => c.error_class)).toEqual(['http_status', 'http_status', 'http_status']);
    expect(calls.find((c: { outcome: string }) => c.outcome === 'ok')).toMatchObject({ attempt: 4 });
    // Re-scored with the new facts: the score now rests on every provider's answer.
    await eventually(async () => ((await lead(ws, leadId)).lead_scoring.confidence > early.lead_scoring.confidence ? true : undefined), 20_000, 're-score with the enrichment');
  });

  it('a provider answering garbage is recorded as invalid_response once, and the pipeline goes on', async () => {
    const ws = await roomyWorkspace(stack, 'Provider garbage');
    const provider = await fakeProvider(() => ({ status: 200, body: '<html>oops</html>' }));
    await useHttpProvider(ws, provider);
    const { leadId } = await identify(ws, 'ana@garbage-answers.com');
    const detail = await eventually(async () => {
      const d = await lead(ws, leadId);
      return d.enrichment?.providers.http?.status === 'error' && d.enrichment.providers['email-domain'] && d.lead_scoring ? d : undefined;
    }, 30_000, 'garbage recorded');
    expect(detail.enrichment.providers.http.last_error.error_class).toBe('invalid_response');
    expect(detail.enrichment.providers['email-domain'].status).toBe('ok');
    // Not retried: a garbage answer is not a passing outage.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(provider.requests).toHaveLength(1);
  });

  it('a cached answer is used instead of a second provider call', async () => {
    const ws = await roomyWorkspace(stack, 'Provider cache');
    const provider = await fakeProvider();
    await useHttpProvider(ws, provider);
    const first = await identify(ws, 'lee@cached-domain.com');
    await eventually(async () => ((await lead(ws, first.leadId)).enrichment?.providers.http?.status === 'ok' ? true : undefined), 30_000, 'first enrichment');
    expect(provider.requests).toHaveLength(1);

    // The person's stored answer is gone (as after its TTL), and a new fact arrives: the pipeline
    // runs the provider again, which answers from the workspace cache.
    await PersonEnrichmentModel.deleteOne({ _id: personEnrichmentIdFor(first.visitorId, 'http') });
    // (A new IP is what makes a running pipeline look at its providers again.)
    await ingestOk(stack, ws.secretKey, 'identify', { email: 'lee@cached-domain.com', name: 'Lee Cached', ip: '1.1.1.1' });
    await eventually(async () => {
      const calls = (await call(ws, 'GET', `/leads/${first.leadId}/enrichment-calls?limit=50`)).body.data;
      return calls.some((c: { provider: string; outcome: string }) => c.provider === 'http' && c.outcome === 'cache_hit') ? true : undefined;
    }, 30_000, 'cache hit');
    expect(provider.requests).toHaveLength(1);
    // A second person of the same company: the email-domain answer comes from the cache too.
    const second = await identify(ws, 'kim@cached-domain.com');
    await eventually(async () => {
      const calls = (await call(ws, 'GET', `/leads/${second.leadId}/enrichment-calls?limit=50`)).body.data;
      return calls.some((c: { provider: string; outcome: string }) => c.provider === 'email-domain' && c.outcome === 'cache_hit') ? true : undefined;
    }, 30_000, 'email-domain cache hit');
  });

  it('the HTTP provider rate limit holds across two workers', async () => {
    const ws = await roomyWorkspace(stack, 'Provider rate');
    const provider = await fakeProvider();
    await useHttpProvider(ws, provider);
    // A second worker process's poller on the same provider queue, with the same limit (2/s).
    const connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
    const activities = createActivities({ config: stack.config, logger: (await import('../../core/platform/logger')).createLogger('silent', 'second'), temporal: stack.temporal });
    const second: Worker = await createEnrichmentWorker({ connection, namespace: stack.config.TEMPORAL_NAMESPACE, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, deps: { config: stack.config } }, 'http', activities.enrichPerson);
    const running = second.run();
    try {
      const people = 10;
      for (let i = 0; i < people; i++) await identify(ws, `rate${i}@rate-limited-co.com`);
      await provider.waitForRequests(people, 40_000);
      const times = provider.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
      const perSecond = (people - 1) / ((times[people - 1] - times[0]) / 1000);
      // 2 calls/s for the whole queue, whatever the number of workers (a burst of a few is allowed).
      expect(perSecond).toBeLessThan(3);
    } finally {
      second.shutdown();
      await running;
      await connection.close();
    }
  });

  it('the decay timer downgrades a quiet lead on time, with lead.scored each step', async () => {
    const ws = await roomyWorkspace(stack, 'Decay');
    // Half-life 8.6 s: 80 points of demo request fall below 70 (hot → warm) after ~1.7 s and below 40 (→ cold) after ~8.6 s.
    const rules = { rules: [{ id: 'demo', type: 'custom_event', name: 'demo_requested', points: 80, max_points: 80 }], decay: { half_life_days: 0.0001 }, grades: { hot: 70, warm: 40 }, qualifying_grade: 'hot', emit_on_every_change: false };
    expect((await call(ws, 'PUT', '/scoring', rules)).status).toBe(200);
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['lead.scored'] });
    const fingerprint = uniqueFingerprint('decay');
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: 'quiet@gmail.com' });
    await ingestOk(stack, ws.secretKey, 'event', { visitor_fingerprint: fingerprint, event_name: 'demo_requested' });
    const grades = async () => receiver.requests.map((r) => verified(sub.body.secret, r).data as { grade: string; previous_grade: string | null; scored_at: string })
      .sort((a, b) => a.scored_at.localeCompare(b.scored_at));
    const steps = await eventually(async () => {
      const seen = await grades();
      return seen.some((e) => e.grade === 'cold' && e.previous_grade === 'warm') ? seen : undefined;
    }, 40_000, 'decayed to cold');
    // Whatever the first grade (the identify may be scored before the event), it went hot → warm → cold with no new activity.
    const path = steps.map((e) => e.grade);
    expect(path.slice(path.indexOf('hot'))).toEqual(['hot', 'warm', 'cold']);
    const visitorId = visitorIdOf(ws, fingerprint);
    expect((await lead(ws, leadIdFor(visitorId))).lead_scoring).toMatchObject({ grade: 'cold', next_change_at: null });
  });

  it('a rules edit re-scores every lead, with progress, silently unless asked', async () => {
    const ws = await roomyWorkspace(stack, 'Rescore');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['lead.scored'] });
    expect(sub.status).toBe(201);
    const people = await Promise.all([0, 1, 2, 3, 4].map((i) => identify(ws, `person${i}@rescore-co.com`)));
    await eventually(async () => ((await call(ws, 'GET', '/leads?grade=cold&limit=10')).body.data.length === 5 ? true : undefined), 30_000, 'all five scored cold');
    // Each person's own pipeline settles first (its providers answered and it scored again), so
    // what the receiver gets after the edit could only come from the re-score.
    await eventually(async () => {
      const states = await Promise.all(people.map((p) => stack.temporal.workflow.getHandle(workflowIds.person(ws.id, p.visitorId)).query(personStateQuery)));
      return states.every((s) => ['ok', 'cache_hit'].includes(s.enrichment['email-domain']?.status ?? '') && !Object.values(s.enrichment).some((e) => e.status === 'running')) ? true : undefined;
    }, 30_000, 'enrichment settled');
    await receiver.waitForRequests(5);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const delivered = receiver.requests.length;

    // Work email alone now makes a lead hot.
    const rules = { rules: [{ id: 'work', type: 'work_email', points: 50 }], decay: { half_life_days: 14 }, grades: { hot: 40, warm: 20 }, qualifying_grade: 'hot', emit_on_every_change: false };
    const put = await call(ws, 'PUT', '/scoring', rules);
    expect(put.status).toBe(200);
    expect(put.body.rescore.workflow_id).toMatch(new RegExp(`^lead-rescore-${ws.id}-`));
    const done = await eventually(async () => {
      const res = await call(ws, 'GET', '/scoring');
      return res.body.rescore.status === 'completed' ? res.body : undefined;
    }, 30_000, 're-score completed');
    expect(done).toMatchObject({ is_default: false, rules, rescore: { processed: 5, total: 5, changed: 5 } });
    const hot = await call(ws, 'GET', '/leads?grade=hot&limit=10');
    expect(hot.body.data.map((l: { id: string }) => l.id).sort()).toEqual(people.map((p) => p.leadId).sort());
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.requests).toHaveLength(delivered); // emit was not asked for

    // Invalid rules: a 400 naming the field, nothing stored.
    const bad = await call(ws, 'PUT', '/scoring', { ...rules, grades: { hot: 10, warm: 20 } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.details)).toEqual([expect.stringContaining('grades')]);
    expect((await call(ws, 'GET', '/scoring')).body.rules).toEqual(rules);
  });

  it('a long-lived person continues as new with its score, grade and timer carried, and emits nothing twice', async () => {
    const ws = await roomyWorkspace(stack, 'Continue as new');
    const receiver = await receivers.start();
    const sub = await call(ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['lead.scored', 'prospect.qualified'] });
    expect(sub.status).toBe(201);
    const fingerprint = uniqueFingerprint('long-lived');
    const visitorId = visitorIdOf(ws, fingerprint);
    // Started ahead of the pipeline with a tiny history limit; the pipeline's signal-with-start finds it running.
    const handle = await stack.temporal.workflow.start(personWorkflow, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.person(ws.id, visitorId),
      args: [{ workspaceId: ws.id, visitorId, email: null, historyLimit: 25, scoreIntervalMs: 200 }],
    });
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: 'long@long-lived-co.com' });
    for (let i = 0; i < 6; i++) {
      await ingestOk(stack, ws.secretKey, 'event', { visitor_fingerprint: fingerprint, event_name: 'demo_requested' });
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    const described = await eventually(async () => {
      const d = await handle.describe();
      return d.runId !== handle.firstExecutionRunId ? d : undefined;
    }, 30_000, 'a continued run');
    expect(described.status.name).toBe('RUNNING');
    const state = await eventually(async () => {
      const s = await stack.temporal.workflow.getHandle(workflowIds.person(ws.id, visitorId)).query(personStateQuery);
      return s.grade === 'warm' ? s : undefined;
    }, 30_000, 'graded in the new run');
    // Carried over: the counters keep counting and the decay timer is still set.
    expect(state.scorings).toBeGreaterThan(1);
    expect(state.nextChangeAt).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const grades = receiver.requests.map((r) => verified(sub.body.secret, r)).filter((e) => e.type === 'lead.scored')
      .sort((a, b) => a.data.scored_at.localeCompare(b.data.scored_at)).map((e) => e.data.grade);
    // Each grade change once, in order, across the runs (work email + company known + a decaying demo request).
    expect(grades).toEqual([...new Set(grades)]);
    expect(grades.at(-1)).toBe('warm');
  });
});
