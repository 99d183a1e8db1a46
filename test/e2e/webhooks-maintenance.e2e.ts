import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import mongoose from 'mongoose';
import { randomAlphanumeric } from '../../core/workspaces/api-keys';
import { eventSamples } from '../../core/events/event-samples';
import { DeliveryModel, MAX_STORED_ATTEMPTS } from '../../core/webhooks/delivery.model';
import { deliveryRepository } from '../../core/webhooks/delivery.repository';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { EventModel } from '../../core/events/event.model';
import { eventRepository } from '../../core/events/event.repository';
import { emitEvent } from '../../core/events/emit-event';
import { createLogger } from '../../core/platform/logger';
import { ensureSchedules } from '../../worker/schedules';
import { outboxSweepWorkflow, recoverDeliveriesWorkflow, retentionWorkflow, retryNowSignal } from '../../workflows';
import { restartDelivery } from '../../core/webhooks/retry-delivery';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

const DAY = 24 * 60 * 60 * 1000;
const leadSample = eventSamples['lead.created'];

describe('webhook maintenance workflows (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();
  const receiver = () => receivers.start();
  const unique = () => randomAlphanumeric(10);

  beforeAll(async () => {
    // Recovery tests let a whole schedule fail on a dead receiver: no circuit breaker in the way.
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '2s', WEBHOOK_CIRCUIT_FAILURES: '1000' } });
  });
  // Each test gets its own workspace, so its subscriptions see only its own events; tests poll, hence the limits.
  beforeEach(async () => {
    ws = await stack.createWorkspace(expect.getState().currentTestName ?? 'Maintenance', { rateLimits: { perMinute: 100_000, perDay: 1_000_000 } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack?.close();
  });

  const subscribe = async (url: string, key = ws.secretKey) => {
    const res = await stack.request('POST', '/api/v1/webhooks', { key, body: { url, events: ['lead.created'] } });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const emit = async (data: unknown, id: string) => {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data, id });
    expect(res.status).toBe(202);
    return res.body as { event: { id: string }; deliveryIds: string[] };
  };
  const getEvent = (id: string) => stack.request('GET', `/api/v1/events/${id}`, { key: ws.secretKey });
  const settled = (deliveryId: string) =>
    eventually(async () => {
      const res = await stack.request('GET', `/api/v1/deliveries/${deliveryId}`, { key: ws.secretKey });
      return res.status === 200 && res.body.status !== 'pending' ? res.body : undefined;
    }, 30_000, `delivery ${deliveryId} to finish`);
  const startOptions = (workflow: { name: string }) => ({ taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `test-${workflow.name}-${unique()}` });
  const runOutboxSweep = () => stack.temporal.workflow.execute(outboxSweepWorkflow, { ...startOptions(outboxSweepWorkflow), args: [] });
  const runRetention = (input?: { maxAgeMs?: number }) => stack.temporal.workflow.execute(retentionWorkflow, { ...startOptions(retentionWorkflow), args: input ? [input] : [] });

  it('the outbox sweep fans out an event that was stored but never fanned out, exactly once', async () => {
    const r = await receiver();
    await subscribe(`${r.url}/hook`);
    // Stored two minutes ago by a process that died before fan-out.
    const id = `evt_outbox_${unique()}`;
    await eventRepository.insert({ _id: id, workspaceId: ws.id, type: 'lead.created', data: { ...leadSample }, createdAt: new Date(Date.now() - 2 * 60_000) });
    expect((await getEvent(id)).body.deliveries).toEqual([]);

    const first = await runOutboxSweep();
    expect(first.fannedOut).toBeGreaterThanOrEqual(1);
    const [req] = await r.waitForRequests(1);
    expect(req.headers['webhook-id']).toBe(id);
    expect(JSON.parse(req.body)).toMatchObject({ id, type: 'lead.created', data: leadSample });
    expect((await eventRepository.findById(id))?.fannedOutAt).toBeInstanceOf(Date);
    const { deliveries } = (await getEvent(id)).body as { deliveries: Array<{ id: string }> };
    expect(deliveries).toHaveLength(1);
    expect((await settled(deliveries[0].id)).status).toBe('succeeded');

    const second = await runOutboxSweep();
    expect(second.fannedOut).toBe(0);
    await sleep(2_000);
    expect(r.requests).toHaveLength(1);
    expect((await getEvent(id)).body.deliveries.map((d: { id: string }) => d.id)).toEqual([deliveries[0].id]);
  });

  it('emitting the same event id twice stores it once and delivers it once', async () => {
    const r = await receiver();
    await subscribe(`${r.url}/hook`);
    const id = `evt_same_${unique()}`;
    const first = await emit({ ...leadSample, id: 'lead_same' }, id);
    const second = await emit({ ...leadSample, id: 'lead_same' }, id);
    expect(first.event.id).toBe(id);
    expect(second.event).toEqual(first.event);
    expect(first.deliveryIds).toHaveLength(1);
    expect(second.deliveryIds).toEqual(first.deliveryIds);
    expect((await settled(first.deliveryIds[0])).status).toBe('succeeded');

    // Once delivered, a third emit still answers with the same delivery and sends nothing.
    const third = await emit({ ...leadSample, id: 'lead_same' }, id);
    expect(third.deliveryIds).toEqual(first.deliveryIds);
    await sleep(1_500);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0].headers['webhook-id']).toBe(id);
    const event = await getEvent(id);
    expect(event.status).toBe(200);
    expect(event.body.deliveries.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([[first.deliveryIds[0], 'succeeded']]);
  });

  it('retention deletes events, deliveries and expired rate-limit counters older than the limit and keeps the rest', async () => {
    const now = Date.now();
    const old = new Date(now - 40 * DAY);
    const fresh = new Date(now);
    const suffix = unique();
    const event = (name: string, at: Date) => ({ _id: `evt_${name}_${suffix}`, workspaceId: ws.id, type: 'lead.created', data: { ...leadSample }, createdAt: at, fannedOutAt: at });
    const delivery = (name: string, eventId: string, at: Date) => ({
      _id: `dlv_${name}_${suffix}`,
      workspaceId: ws.id,
      eventId,
      eventType: 'lead.created',
      subscriptionId: `wh_${name}_${suffix}`,
      url: 'http://127.0.0.1:9/hook',
      status: 'succeeded' as const,
      series: 1,
      attempts: [{ number: 1, series: 1, startedAt: at, durationMs: 12, httpStatus: 200 }],
      workflowId: `delivery-dlv_${name}_${suffix}`,
      completedAt: at,
      createdAt: at,
    });
    const oldEvents = [event('old_a', old), event('old_b', old)];
    const freshEvents = [event('fresh_a', fresh), event('fresh_b', fresh)];
    const oldDeliveries = [delivery('old_a', oldEvents[0]._id, old), delivery('old_b', oldEvents[1]._id, old), delivery('old_c', oldEvents[1]._id, old)];
    const freshDeliveries = [delivery('fresh_a', freshEvents[0]._id, fresh)];
    await EventModel.create([...oldEvents, ...freshEvents]);
    await DeliveryModel.create([...oldDeliveries, ...freshDeliveries]);
    const counters = mongoose.connection.db!.collection<{ key: string; points: number; expire: Date }>('rate_limits');
    await counters.insertMany([
      { key: `rl:minute:expired_${suffix}`, points: 3, expire: new Date(now - 60_000) },
      { key: `rl:day:live_${suffix}`, points: 3, expire: new Date(now + DAY) },
    ]);
    // The timestamps were kept as given (mongoose would otherwise stamp "now").
    expect((await DeliveryModel.findById(oldDeliveries[0]._id).lean())?.createdAt).toEqual(old);
    expect((await getEvent(oldEvents[0]._id)).status).toBe(200);

    const result = await runRetention(); // RETENTION_MAX_AGE 30 d
    expect(result.events).toBe(oldEvents.length);
    expect(result.deliveries).toBe(oldDeliveries.length);
    expect(result.rateLimitCounters).toBeGreaterThanOrEqual(1);
    const ids = (docs: Array<{ _id: string }>) => docs.map((d) => d._id).sort();
    expect(ids(await EventModel.find({ _id: { $in: ids([...oldEvents, ...freshEvents]) } }, { _id: 1 }).lean())).toEqual(ids(freshEvents));
    expect(ids(await DeliveryModel.find({ _id: { $in: ids([...oldDeliveries, ...freshDeliveries]) } }, { _id: 1 }).lean())).toEqual(ids(freshDeliveries));
    expect(await counters.findOne({ key: `rl:minute:expired_${suffix}` })).toBeNull();
    expect(await counters.findOne({ key: `rl:day:live_${suffix}` })).not.toBeNull();
    expect((await getEvent(oldEvents[0]._id)).status).toBe(404);
    expect((await stack.request('GET', `/api/v1/deliveries/${oldDeliveries[0]._id}`, { key: ws.secretKey })).status).toBe(404);
    expect((await getEvent(freshEvents[0]._id)).status).toBe(200);

    // A one-second limit: everything this database holds is older than that by now.
    await sleep(1_500);
    const [eventsBefore, deliveriesBefore] = await Promise.all([EventModel.countDocuments(), DeliveryModel.countDocuments()]);
    expect(eventsBefore).toBeGreaterThanOrEqual(freshEvents.length);
    const short = await runRetention({ maxAgeMs: 1000 });
    expect(short.events).toBe(eventsBefore);
    expect(short.deliveries).toBe(deliveriesBefore);
    expect(await EventModel.countDocuments({ _id: { $in: ids(freshEvents) } })).toBe(0);
    expect(await DeliveryModel.countDocuments({ _id: { $in: ids(freshDeliveries) } })).toBe(0);
    expect((await getEvent(freshEvents[0]._id)).status).toBe(404);
  });

  it('an event the system builds with an invalid payload is recorded and listed, not silently dropped', async () => {
    const r = await receiver();
    await subscribe(`${r.url}/hook`);
    const id = `evt_invalid_${unique()}`;
    const deps = { config: stack.config, logger: createLogger('silent', 'test'), temporal: stack.temporal };
    const broken = { ...leadSample, email: 'not an email', status: 'nonsense' };
    await expect(emitEvent(deps, { workspaceId: ws.id, type: 'lead.created', data: broken, id, recordIfInvalid: true })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await EventModel.countDocuments({ _id: id })).toBe(0);

    const list = await stack.request('GET', '/api/v1/failed-events', { key: ws.secretKey });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ id, type: 'lead.created', data: expect.objectContaining({ email: 'not an email' }) })]);
    expect(Object.keys(list.body.data[0].details).sort()).toEqual(['data.email', 'data.status']);
    expect((await stack.request('GET', `/api/v1/failed-events/${id}`, { key: ws.secretKey })).body.id).toBe(id);
    const other = await stack.createWorkspace('Failed events neighbour');
    expect((await stack.request('GET', `/api/v1/failed-events/${id}`, { key: other.secretKey })).status).toBe(404);
    expect((await stack.request('GET', '/api/v1/failed-events', { key: other.secretKey })).body.data).toEqual([]);
    // An operator's own emit stays a plain 400 and records nothing.
    const operator = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data: broken, id: `evt_op_${unique()}` });
    expect(operator.status).toBe(400);
    expect((await stack.request('GET', '/api/v1/failed-events', { key: ws.secretKey })).body.data).toHaveLength(1);
    expect(r.requests).toHaveLength(0);
  });

  it('retention never removes a delivery still pending, nor the event it sends, whatever their age', async () => {
    const old = new Date(Date.now() - 40 * DAY);
    const suffix = unique();
    const eventId = `evt_pending_${suffix}`;
    await EventModel.create({ _id: eventId, workspaceId: ws.id, type: 'lead.created', data: { ...leadSample }, createdAt: old, fannedOutAt: old });
    await DeliveryModel.create({
      _id: `dlv_pending_${suffix}`,
      workspaceId: ws.id,
      eventId,
      eventType: 'lead.created',
      subscriptionId: `wh_pending_${suffix}`,
      url: 'http://127.0.0.1:9/hook',
      status: 'pending',
      series: 2,
      attempts: [],
      workflowId: `delivery-dlv_pending_${suffix}`,
      createdAt: old,
    });
    await runRetention();
    expect(await EventModel.countDocuments({ _id: eventId })).toBe(1);
    expect(await DeliveryModel.countDocuments({ _id: `dlv_pending_${suffix}` })).toBe(1);
    // Once it finished, it goes like any other.
    await DeliveryModel.updateOne({ _id: `dlv_pending_${suffix}` }, { $set: { status: 'failed', completedAt: old } });
    await runRetention();
    expect(await EventModel.countDocuments({ _id: eventId })).toBe(0);
    expect(await DeliveryModel.countDocuments({ _id: `dlv_pending_${suffix}` })).toBe(0);
  });

  it('refuses a workspace retry schedule that would outlast retention', async () => {
    const tooLong = await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, ...Array(5).fill(7 * DAY)] } });
    expect(tooLong.status).toBe(400);
    expect(Object.keys(tooLong.body.details)).toEqual(['webhookSettings.retryScheduleMs']);
    expect(tooLong.body.details['webhookSettings.retryScheduleMs'][0]).toContain('RETENTION_MAX_AGE');
    const created = await stack.admin('POST', '/workspaces', { name: 'Long retries', webhookSettings: { retryScheduleMs: [0, 7 * DAY, 7 * DAY, 7 * DAY, 7 * DAY, 7 * DAY] } });
    expect(created.status).toBe(400);
    expect((await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, DAY, DAY] } })).status).toBe(200);
  });

  const getRecovery = (subscriptionId: string, recoveryId: string, key = ws.secretKey) =>
    stack.request('GET', `/api/v1/webhooks/${subscriptionId}/recoveries/${recoveryId}`, { key });
  const startRecovery = async (subscriptionId: string) => {
    const res = await stack.request('POST', `/api/v1/webhooks/${subscriptionId}/recover`, { key: ws.secretKey, body: { since: new Date(Date.now() - 60_000).toISOString() } });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(res.body.progressUrl);
    return res.body as { id: string; status: string; progressUrl: string };
  };
  const recoveryCompleted = (subscriptionId: string, recoveryId: string) =>
    eventually(async () => {
      const res = await getRecovery(subscriptionId, recoveryId);
      return res.status === 200 && res.body.status === 'completed' ? res.body : undefined;
    }, 30_000, `recovery ${recoveryId} to complete`);

  it('a recovery reports its progress while it runs and ends a waiting series only once its attempt in flight is recorded', async () => {
    await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, 3_600_000], timeoutMs: 15_000 } });
    let release: (() => void) | undefined;
    const held = (res: ServerResponse) => void (release = () => res.writeHead(503).end());
    const r = (await receiver()).reply(held);
    const sub = await subscribe(r.url);
    const { deliveryIds } = await emit({ ...leadSample }, `evt_held_${unique()}`);
    await r.waitForRequests(1); // the first attempt is in flight, held by the receiver

    const started = await startRecovery(sub.id);
    expect(started).toMatchObject({ id: expect.stringMatching(`^recover-${sub.id}-[a-z0-9]{8}$`), status: 'running' });
    const { status, body: running } = await getRecovery(sub.id, started.id); // at once: before its first workflow task, too
    expect(status).toBe(200);
    expect(running).toMatchObject({ id: started.id, status: 'running', found: 0, recovered: 0, finishedAt: null });
    expect(r.requests).toHaveLength(1); // nothing more is sent while the first attempt is in flight

    release?.();
    const done = await recoveryCompleted(sub.id, started.id);
    expect(done).toMatchObject({ id: started.id, status: 'completed', found: 1, recovered: 1, startedAt: running.startedAt });
    const delivery = (await settled(deliveryIds[0])) as { status: string; series: number; attempts: Array<{ series: number; number: number; httpStatus: number }> };
    expect(delivery).toMatchObject({ status: 'succeeded', series: 2 });
    expect(delivery.attempts.map((a) => [a.series, a.number, a.httpStatus])).toEqual([
      [1, 1, 503],
      [2, 1, 200],
    ]);
    expect(r.requests).toHaveLength(2);

    const description = await stack.temporal.workflow.getHandle(started.id).describe();
    expect(description.type).toBe('recoverDeliveriesWorkflow');
    expect(description.searchAttributes).toMatchObject({ SignalboxWorkspaceId: [ws.id], SignalboxSubscriptionId: [sub.id] });
    expect(await description.memo).toMatchObject({ url: new URL(r.url).origin, since: expect.any(String) });
  });

  it('a retry while the first attempt is in flight in its batch leaves it to the batch and sends nothing more', async () => {
    await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, 3_600_000], timeoutMs: 15_000 } });
    let release: (() => void) | undefined;
    const r = (await receiver()).reply((res: ServerResponse) => void (release = () => res.writeHead(200).end()));
    await subscribe(r.url);
    const { deliveryIds } = await emit({ ...leadSample }, `evt_inflight_${unique()}`);
    await r.waitForRequests(1);
    const retried = await stack.request('POST', `/api/v1/deliveries/${deliveryIds[0]}/retry`, { key: ws.secretKey });
    expect(retried.status).toBe(202);
    expect(retried.body.mode).toBe('queued');
    release?.();
    expect(await settled(deliveryIds[0])).toMatchObject({ status: 'succeeded', series: 1, attempts: [expect.objectContaining({ series: 1, number: 1, httpStatus: 200 })] });
    expect(r.requests).toHaveLength(1);
  });

  it('a new series that finds the old series\' run just handed over ends that run first, and a run of an old series never sends', async () => {
    await stack.admin('PATCH', `/workspaces/${ws.id}`, { webhookSettings: { retryScheduleMs: [0, 3_600_000, 3_600_000] } });
    const deps = { config: stack.config, logger: createLogger('silent', 'test'), temporal: stack.temporal };
    const r = await receiver();
    r.fallback = 503;
    await subscribe(r.url);
    const [first, second] = [await emit({ ...leadSample }, `evt_handover_${unique()}`), await emit({ ...leadSample }, `evt_stale_${unique()}`)].map((e) => e.deliveryIds[0]);
    const handedOver = (id: string) =>
      eventually(async () => {
        const doc = await deliveryRepository.findById(id);
        return doc?.stage === 'workflow' && (await stack.temporal.workflow.getHandle(workflowIds.delivery(id)).describe()).status.name === 'RUNNING' ? doc : undefined;
      }, 30_000, `delivery ${id} handed over to its workflow`);
    const [listedFirst] = await Promise.all([handedOver(first), handedOver(second)]);
    r.fallback = 200;

    // The recovery's race, replayed: it read the delivery before the batch recorded its failed attempt
    // and started the series-1 run; its new series must not wake that run (series 1 #2) but replace it.
    const { mode } = await restartDelivery(deps, { delivery: { ...listedFirst, status: 'failed' }, newSeries: true });
    expect(mode).toBe('restarted');
    const recovered = (await settled(first)) as { status: string; series: number; attempts: Array<{ series: number; number: number; httpStatus: number }> };
    expect(recovered).toMatchObject({ status: 'succeeded', series: 2 });
    expect(recovered.attempts.map((a) => [a.series, a.number, a.httpStatus])).toEqual([
      [1, 1, 503],
      [2, 1, 200],
    ]);

    // A series-1 run woken after its delivery moved on to series 2 ends without sending.
    const stale = stack.temporal.workflow.getHandle(workflowIds.delivery(second));
    const sentBefore = r.requests.length;
    await deliveryRepository.reopen(second);
    await stale.signal(retryNowSignal);
    expect(await stale.result()).toMatchObject({ status: 'superseded', series: 1, attempts: 1 });
    expect(r.requests).toHaveLength(sentBefore);
  });

  it('a recovery pages through the deliveries, continuing as new, and re-delivers each one once', async () => {
    const r = await receiver();
    r.fallback = 503;
    const sub = await subscribe(r.url);
    const emitted: Array<{ event: { id: string }; deliveryIds: string[] }> = [];
    for (let i = 0; i < 5; i++) emitted.push(await emit({ ...leadSample, id: `lead_page_${i}` }, `evt_page_${i}_${unique()}`));
    const deliveryIds = emitted.flatMap((e) => e.deliveryIds);
    expect((await Promise.all(deliveryIds.map(settled))).map((d) => d.status)).toEqual(Array(5).fill('failed'));
    r.fallback = 200;

    // Two per page, and a history limit every page crosses: three pages in three runs.
    const handle = await stack.temporal.workflow.start(recoverDeliveriesWorkflow, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.deliveryRecovery(sub.id, unique().toLowerCase()),
      args: [{ workspaceId: ws.id, subscriptionId: sub.id, since: new Date(Date.now() - 60_000).toISOString(), startedAt: new Date().toISOString(), pageSize: 2, historyLimit: 5 }],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', found: 5, recovered: 5 });
    expect((await stack.temporal.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    expect((await getRecovery(sub.id, handle.workflowId)).body).toEqual({ id: handle.workflowId, ...result });

    const recovered = await Promise.all(deliveryIds.map(settled));
    expect(recovered.map((d) => [d.status, d.series])).toEqual(Array(5).fill(['succeeded', 2]));
    expect(r.requests).toHaveLength(20); // three failed attempts each, then each event once
    expect(r.requests.slice(15).map((q) => q.headers['webhook-id']).sort()).toEqual(emitted.map((e) => e.event.id).sort());
  });

  it('a recovery is found only under its own subscription in its own workspace', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url);
    const otherSub = await subscribe(r.url);
    const { id } = await startRecovery(sub.id);
    expect(await recoveryCompleted(sub.id, id)).toMatchObject({ found: 0, recovered: 0 });

    const other = await stack.createWorkspace('Maintenance other tenant');
    const foreignSub = await subscribe(r.url, other.secretKey);
    const { deliveryIds } = await emit({ ...leadSample }, `evt_scope_${unique()}`);
    const lookups: Array<[string, string, string]> = [
      [otherSub.id, id, ws.secretKey], // another subscription of the same workspace
      [sub.id, `recover-${sub.id}-nosuchrun`, ws.secretKey],
      [sub.id, workflowIds.delivery(deliveryIds[0]), ws.secretKey], // not a recovery
      [sub.id, id, other.secretKey], // another workspace
      [foreignSub.id, id, other.secretKey],
    ];
    for (const [subscriptionId, recoveryId, key] of lookups) {
      const res = await getRecovery(subscriptionId, recoveryId, key);
      expect({ subscriptionId, recoveryId, status: res.status, code: res.body.code }).toEqual({ subscriptionId, recoveryId, status: 404, code: 'not_found' });
    }

    // A running recovery that no worker answers for: a prompt 503, not a request held for 30 s.
    const unanswered = await stack.temporal.workflow.start(recoverDeliveriesWorkflow, {
      taskQueue: `no-worker-${unique()}`,
      workflowId: workflowIds.deliveryRecovery(sub.id, unique().toLowerCase()),
      args: [{ workspaceId: ws.id, subscriptionId: sub.id, since: new Date().toISOString(), startedAt: new Date().toISOString() }],
    });
    try {
      const asked = Date.now();
      const res = await getRecovery(sub.id, unanswered.workflowId);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 503, code: 'service_unavailable' });
      expect(Date.now() - asked).toBeLessThan(15_000);
    } finally {
      await unanswered.terminate();
    }

    expect((await stack.request('PATCH', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey, body: { active: false } })).status).toBe(200);
    expect((await stack.request('POST', `/api/v1/webhooks/${sub.id}/recover`, { key: ws.secretKey, body: { since: new Date().toISOString() } })).status).toBe(409);
  });

  it(`keeps the ${MAX_STORED_ATTEMPTS} most recent attempts of a delivery`, async () => {
    const attempt = (series: number, number: number) => ({ number, series, startedAt: new Date(), durationMs: 5, httpStatus: 503 });
    const delivery = async (name: string, attempts: number) => {
      const _id = `dlv_cap_${name}_${unique()}`;
      const stored = Array.from({ length: attempts }, (_, i) => attempt(Math.floor(i / 8) + 1, (i % 8) + 1));
      await DeliveryModel.create({ _id, workspaceId: ws.id, eventId: `evt_${_id}`, eventType: 'lead.created', subscriptionId: 'wh_cap', url: 'http://127.0.0.1:9/hook', status: 'pending', series: 20, attempts: stored, workflowId: `delivery-${_id}` });
      return (await deliveryRepository.findById(_id))!;
    };
    const numbered = async (id: string) => ((await deliveryRepository.findById(id))?.attempts ?? []).map((a) => `${a.series}.${a.number}`);

    const below = await delivery('below', MAX_STORED_ATTEMPTS - 1);
    await deliveryRepository.recordAttempt(below, attempt(20, 1), { status: 'pending', nextAttemptAt: null });
    expect(await numbered(below._id)).toHaveLength(MAX_STORED_ATTEMPTS);

    const full = await delivery('full', MAX_STORED_ATTEMPTS);
    await deliveryRepository.recordAttempt(full, attempt(20, 2), { status: 'failed', reason: 'test', nextAttemptAt: null });
    const kept = await numbered(full._id);
    expect(kept).toHaveLength(MAX_STORED_ATTEMPTS);
    expect(kept[0]).toBe('1.2'); // the oldest went
    expect(kept.at(-1)).toBe('20.2');
    expect((await deliveryRepository.findById(full._id))?.status).toBe('failed');

    // Stored before the cap: trimmed back to it on the next attempt.
    const over = await delivery('over', MAX_STORED_ATTEMPTS + 7);
    await deliveryRepository.recordAttempt(over, attempt(20, 3), { status: 'pending', nextAttemptAt: null });
    const trimmed = await numbered(over._id);
    expect(trimmed).toHaveLength(MAX_STORED_ATTEMPTS);
    expect(trimmed.at(-1)).toBe('20.3');
    expect(trimmed[0]).toBe('2.1'); // the eight of series 1 went
  });

  it('ensureSchedules creates the sweep and retention schedules once', async () => {
    const scheduleIds = ['signalbox-outbox-sweep', 'signalbox-retention'];
    const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
    const remove = (id: string) =>
      stack.temporal.schedule
        .getHandle(id)
        .delete()
        .catch((err) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
    // The schedules are cluster-wide: start from none (a worker process elsewhere may have made them).
    await Promise.all(scheduleIds.map(remove));
    try {
      expect(await ensureSchedules(stack.temporal, taskQueue)).toEqual(scheduleIds);

      const sweep = await stack.temporal.schedule.getHandle('signalbox-outbox-sweep').describe();
      expect(sweep.spec.intervals?.map((i) => i.every)).toEqual([60_000]);
      expect(sweep.action).toMatchObject({ type: 'startWorkflow', workflowType: 'outboxSweepWorkflow', workflowId: 'signalbox-outbox-sweep', taskQueue, args: [] });
      expect(sweep.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(sweep.state.paused).toBe(false);

      const retention = await stack.temporal.schedule.getHandle('signalbox-retention').describe();
      expect(retention.spec.intervals?.map((i) => i.every)).toEqual([60 * 60_000]);
      expect(retention.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow', workflowId: 'signalbox-retention', taskQueue, args: [] });
      expect(retention.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

      // A second worker start leaves them alone.
      expect(await ensureSchedules(stack.temporal, taskQueue)).toEqual([]);
      const again = await stack.temporal.schedule.getHandle('signalbox-outbox-sweep').describe();
      expect(again.spec.intervals).toEqual(sweep.spec.intervals);

      // A worker on a renamed task queue re-points the existing schedules instead of leaving them orphaned.
      expect(await ensureSchedules(stack.temporal, `${taskQueue}-renamed`)).toEqual([]);
      for (const id of scheduleIds) {
        const moved = await stack.temporal.schedule.getHandle(id).describe();
        expect(moved.action).toMatchObject({ type: 'startWorkflow', taskQueue: `${taskQueue}-renamed` });
        expect(moved.spec.intervals?.map((i) => i.every)).toEqual((id === 'signalbox-retention' ? [3_600_000] : [60_000]));
      }
    } finally {
      await Promise.all(scheduleIds.map(remove));
    }
  });
});
