/**
 * The circuit breaker of an endpoint (subscription), end to end: real Temporal, database and HTTP
 * receivers. A down endpoint's deliveries end up waiting in the database (no workflow each) while
 * `endpoint-<subscription>` probes it; once it answers, they go out oldest first.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { eventSamples } from '../../core/events/event-samples';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { DeliveryModel } from '../../core/webhooks/delivery.model';
import type { ServerResponse } from 'node:http';
import { dispatchPartitionOf } from '../../core/webhooks/delivery-ref';
import { endpointStateQuery } from '../../workflows';
import { ReceiverPool } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

const CIRCUIT_FAILURES = 3;

describe('endpoint circuit breaker (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        WEBHOOK_RETRY_SCHEDULE: '0s,300ms,300ms,300ms',
        WEBHOOK_RETRY_JITTER: '0',
        WEBHOOK_TIMEOUT: '1s',
        WEBHOOK_CIRCUIT_FAILURES: String(CIRCUIT_FAILURES),
        WEBHOOK_CIRCUIT_PROBE_SCHEDULE: '700ms,1s',
      },
    });
  });
  beforeEach(async () => {
    ws = await stack.createWorkspace(expect.getState().currentTestName ?? 'Circuit', { rateLimits: { perMinute: 100_000, perDay: 1_000_000 } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack.close();
  });

  const subscribe = async (url: string) => {
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events: ['lead.created'] } });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const emitLeads = async (count: number, tag: string) => {
    const ids: Array<{ eventId: string; deliveryIds: string[] }> = [];
    for (let i = 0; i < count; i++) {
      const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data: { ...eventSamples['lead.created'], id: `lead_${tag}_${i}` } });
      expect(res.status).toBe(202);
      ids.push({ eventId: res.body.event.id, deliveryIds: res.body.deliveryIds });
    }
    return ids;
  };
  const health = async (subscriptionId: string) => {
    const res = await stack.request('GET', `/api/v1/webhooks/${subscriptionId}/health`, { key: ws.secretKey });
    expect(res.status).toBe(200);
    return res.body;
  };
  const delivery = async (id: string) => (await stack.request('GET', `/api/v1/deliveries/${id}`, { key: ws.secretKey })).body;
  const workflowStatus = async (workflowId: string) => {
    try {
      return (await stack.temporal.workflow.getHandle(workflowId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  };

  it('a first attempt that succeeds in a batch needs no workflow of its own', async () => {
    const r = await receivers.start();
    const sub = await subscribe(r.url);
    const [{ eventId, deliveryIds }] = await emitLeads(1, 'batch');
    const done = await eventually(async () => ((await delivery(deliveryIds[0])).status === 'succeeded' ? delivery(deliveryIds[0]) : undefined));
    expect(done).toMatchObject({ attemptCount: 1, workflowId: workflowIds.delivery(deliveryIds[0]) });
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([eventId]);
    expect(await workflowStatus(workflowIds.delivery(deliveryIds[0]))).toBe('NOT_FOUND');
    const h = await health(sub.id);
    expect(h).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, lastSuccessAt: expect.any(String), recent: { succeeded: 1, failed: 0, successRate: 1 }, probe: null });
  });

  it('a down endpoint opens its circuit: deliveries wait in the database, then go out oldest first once it answers', async () => {
    const down = await receivers.start();
    down.fallback = 503;
    const healthy = await receivers.start();
    const sub = await subscribe(down.url);
    const neighbour = await subscribe(healthy.url);
    const emitted = await emitLeads(8, 'outage');
    const ours = await Promise.all(emitted.map(async (e) => (await DeliveryModel.find({ _id: { $in: e.deliveryIds }, subscriptionId: sub.id }).lean())[0]));

    // Every delivery ends up waiting: no retry workflow stays open for a down endpoint.
    const waiting = await eventually(async () => {
      const h = await health(sub.id);
      return h.deliveries.waiting === emitted.length && h.deliveries.retrying === 0 ? h : undefined;
    }, 30_000, 'every delivery waiting');
    expect(waiting).toMatchObject({ circuit: 'open', circuitOpenedAt: expect.any(String), lastError: { httpStatus: 503, errorClass: 'http_status' }, deliveries: { queued: 0 } });
    expect(waiting.consecutiveFailures).toBeGreaterThanOrEqual(CIRCUIT_FAILURES);
    for (const d of ours) expect(await workflowStatus(workflowIds.delivery(d._id))).not.toBe('RUNNING');
    // Probes go on a backoff with the oldest waiting delivery.
    const probing = await eventually(async () => {
      const h = await health(sub.id);
      return h.probe?.probes >= 1 ? h : undefined;
    }, 30_000, 'a probe');
    expect(probing.probe).toMatchObject({ status: 'probing', lastProbe: { ok: false, httpStatus: 503 } });
    const requestsWhileDown = down.requests.length;
    expect(requestsWhileDown).toBeLessThan(emitted.length * 4); // not every delivery's whole schedule

    // The neighbour in the same workspace was never held up.
    expect(healthy.requests).toHaveLength(emitted.length);
    expect((await health(neighbour.id)).circuit).toBe('closed');

    down.fallback = 200;
    const delivered = await eventually(async () => {
      const all = await Promise.all(ours.map((d) => delivery(d._id)));
      return all.every((d) => d.status === 'succeeded') ? all : undefined;
    }, 30_000, 'the backlog drained');
    expect(delivered.map((d) => d.status)).toEqual(Array(emitted.length).fill('succeeded'));
    // Oldest first: the probe that succeeded carried the oldest event, and every event arrived once.
    const successes = down.requests.slice(requestsWhileDown).map((q) => q.headers['webhook-id']);
    expect(successes[0]).toBe(emitted[0].eventId);
    expect([...successes].sort()).toEqual(emitted.map((e) => e.eventId).sort());
    const closed = await eventually(async () => ((await workflowStatus(workflowIds.endpoint(sub.id))) === 'COMPLETED' ? true : undefined), 20_000, 'the endpoint workflow to end');
    expect(closed).toBe(true);
    expect(await stack.temporal.workflow.getHandle(workflowIds.endpoint(sub.id)).result()).toMatchObject({ status: 'closed', drained: expect.any(Number) });
    expect(await health(sub.id)).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, failingSince: null, deliveries: { waiting: 0, retrying: 0 }, probe: null });
  });

  it('an endpoint that hangs holds up only itself, not another endpoint of its dispatch partition', async () => {
    // Long deadlines for this workspace: a hanging endpoint keeps its batch in flight for 25 s.
    ws = await stack.createWorkspace('Hanging neighbour', { rateLimits: { perMinute: 100_000, perDay: 1_000_000 }, webhookSettings: { timeoutMs: 25_000 } });
    const hanging = await receivers.start();
    const held: ServerResponse[] = [];
    hanging.fallback = (res) => void held.push(res); // never answers (until the end of the test)
    const healthy = await receivers.start();
    // Two subscriptions in the same dispatch partition (ids are random: subscribe until they share one).
    const slow = await subscribe(hanging.url);
    const partitions = stack.config.WEBHOOK_DISPATCH_PARTITIONS;
    let fast = await subscribe(healthy.url);
    while (dispatchPartitionOf(fast.id, partitions) !== dispatchPartitionOf(slow.id, partitions)) {
      expect((await stack.request('DELETE', `/api/v1/webhooks/${fast.id}`, { key: ws.secretKey })).status).toBe(204);
      fast = await subscribe(healthy.url);
    }
    const [first] = await emitLeads(1, 'hang_first');
    await eventually(async () => (hanging.requests.length === 1 && healthy.requests.length === 1 ? true : undefined), 20_000, 'the first event at both');
    // The hanging endpoint's batch is still in flight; the next event still reaches the healthy one.
    const [second] = await emitLeads(1, 'hang_second');
    await eventually(async () => (healthy.requests.length === 2 ? true : undefined), 15_000, 'the second event at the healthy endpoint');
    expect(healthy.requests.map((q) => q.headers['webhook-id'])).toEqual([first.eventId, second.eventId]);
    expect(held).toHaveLength(1); // the first request to the hanging endpoint has not been answered
    for (const res of held.splice(0)) res.writeHead(200).end();
  });

  it('deleting a subscription whose circuit is open cancels what waits and ends its endpoint workflow', async () => {
    const down = await receivers.start();
    down.fallback = 503;
    const sub = await subscribe(down.url);
    await emitLeads(5, 'deleted');
    await eventually(async () => ((await health(sub.id)).deliveries.waiting === 5 ? true : undefined), 30_000, 'deliveries waiting');
    const handle = stack.temporal.workflow.getHandle(workflowIds.endpoint(sub.id));
    expect((await handle.query(endpointStateQuery)).status).toBe('probing');
    expect((await stack.request('DELETE', `/api/v1/webhooks/${sub.id}`, { key: ws.secretKey })).status).toBe(204);
    const canceled = await DeliveryModel.find({ subscriptionId: sub.id }).lean();
    expect(canceled.map((d) => [d.status, d.statusReason])).toEqual(Array(5).fill(['canceled', 'the subscription was deleted']));
    expect(await handle.result()).toMatchObject({ status: 'gone' });
  });
});
