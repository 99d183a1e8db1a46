/**
 * Scale-out correctness of batched webhook dispatch: one stack with two API servers (the stack's
 * own and startExtraApi) and two worker OS processes on one task queue, events emitted through
 * both APIs, a real HTTP receiver counting arrivals per (subscription URL, `webhook-id`). In a
 * no-fault run every (event, subscription) arrives exactly once. When the worker running dispatch
 * partitions is SIGKILLed while its batch is mid-flight, nothing is lost: the other worker runs
 * the partition's polling activity again once Temporal times the victim's heartbeat out. That
 * re-run may send again what the victim had sent but not yet recorded (at-least-once, same `webhook-id`):
 * those duplicates are counted, reported, and bounded by the victim's unrecorded sends. The file
 * runs its own Temporal dev server: the worker processes create the cluster-wide schedules.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eventSamples } from '../../core/events/event-samples';
import { deliveryIdFor } from '../../core/events/emit-event';
import { DeliveryModel, type DeliveryDoc } from '../../core/webhooks/delivery.model';
import { dispatchPartitionOf } from '../../core/webhooks/delivery-ref';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { mapLimit, roomyWorkspace } from '../support/ingest-helpers';
import { TestReceiver } from '../support/receiver';
import { ADMIN_TOKEN, eventually, type TestStack, type TestWorkspace } from '../support/test-stack';
import type { WorkerProcess } from '../support/worker-process';
import { startScaleOutStack, type ScaleOutStack } from '../support/scale-out-stack';

const PARTITIONS = 4;
const SUBSCRIPTIONS = 6;
const webhookEnv = {
  ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '0s,1s,2s',
  WEBHOOK_RETRY_JITTER: '0',
  WEBHOOK_DISPATCH_PARTITIONS: String(PARTITIONS),
};

/** A receiver that answers 200 after `delayMs` and knows how many requests per path it is still answering. */
class CountingReceiver {
  delayMs = 0;
  readonly answering = new Map<string, number>();
  private constructor(readonly http: TestReceiver) {
    http.fallback = (res, req) => {
      this.answering.set(req.path, (this.answering.get(req.path) ?? 0) + 1);
      const done = () => this.answering.set(req.path, (this.answering.get(req.path) ?? 1) - 1);
      const answer = () => {
        res.writeHead(200);
        res.end();
      };
      res.once('close', done);
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    };
  }
  static async start(): Promise<CountingReceiver> {
    return new CountingReceiver(await TestReceiver.start());
  }
  /** Arrivals per `<path> <webhook-id>`. */
  arrivals(paths?: Set<string>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.http.requests) {
      if (paths && !paths.has(r.path)) continue;
      const key = `${r.path} ${String(r.headers['webhook-id'])}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}

interface Subscription {
  id: string;
  path: string;
  partition: number;
}

describe('batched webhook dispatch scaled out: 2 API servers, 2 worker processes', () => {
  let scale: ScaleOutStack;
  let stack: TestStack;
  let workers: WorkerProcess[] = [];
  const receivers: CountingReceiver[] = [];

  beforeAll(async () => {
    scale = await startScaleOutStack('webhooks-scale-out', webhookEnv);
    ({ stack, workers } = scale);
  }, 150_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.http.close()));
    await scale?.stop();
  }, 60_000);

  const apiUrls = () => scale.apiUrls();

  const whileAllAlive = <T>(wait: Promise<T>, except?: WorkerProcess): Promise<T> => scale.whileAllAlive(wait, except);

  const newReceiver = async () => {
    const r = await CountingReceiver.start();
    receivers.push(r);
    return r;
  };

  /**
   * SUBSCRIPTIONS subscriptions to lead.created, one path each on `r`, spread over the dispatch
   * partitions (each gets one, none more than ceil(SUBSCRIPTIONS/PARTITIONS)): one that would
   * crowd a partition is deleted before any event exists, so every partition runs a share.
   */
  const spreadSubscriptions = async (ws: TestWorkspace, r: CountingReceiver): Promise<Subscription[]> => {
    const perPartition = new Array<number>(PARTITIONS).fill(0);
    const subs: Subscription[] = [];
    for (let k = 0; subs.length < SUBSCRIPTIONS && k < 200; k++) {
      const path = `/s${k}`;
      const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url: `${r.http.url}${path}`, events: ['lead.created'] } });
      expect(res.status).toBe(201);
      const id = (res.body as { id: string }).id;
      const partition = dispatchPartitionOf(id, PARTITIONS);
      const emptyElsewhere = perPartition.filter((c, n) => c === 0 && n !== partition).length;
      if (perPartition[partition] >= Math.ceil(SUBSCRIPTIONS / PARTITIONS) || SUBSCRIPTIONS - subs.length - 1 < emptyElsewhere) {
        expect((await stack.request('DELETE', `/api/v1/webhooks/${id}`, { key: ws.secretKey })).status).toBeLessThan(300);
        continue;
      }
      perPartition[partition]++;
      subs.push({ id, path, partition });
    }
    expect(subs).toHaveLength(SUBSCRIPTIONS);
    expect(new Set(subs.map((s) => s.partition)).size).toBe(PARTITIONS);
    return subs;
  };

  /** POST /admin/v1/workspaces/:id/events on API `n % 2`; the event id once accepted (202). */
  const emit = async (ws: TestWorkspace, n: number, eventId: string): Promise<string> => {
    const res = await fetch(`${apiUrls()[n % 2]}/admin/v1/workspaces/${ws.id}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'lead.created', data: { ...eventSamples['lead.created'], id: `lead_${eventId}` }, id: eventId }),
    });
    const body = (await res.json()) as { event?: { id: string }; deliveryIds?: string[] };
    if (res.status !== 202 || body.event?.id !== eventId || body.deliveryIds?.length !== SUBSCRIPTIONS) throw new Error(`emit on API ${n % 2} answered ${res.status}: ${JSON.stringify(body)}`);
    return eventId;
  };
  const emitAll = (ws: TestWorkspace, ids: string[], from: number) => mapLimit(ids, 8, (id, i) => emit(ws, from + i, id));

  const expectedKeys = (subs: Subscription[], eventIds: string[]) => subs.flatMap((s) => eventIds.map((e) => `${s.path} ${e}`));
  const deliveriesOf = (ws: TestWorkspace) => DeliveryModel.find({ workspaceId: ws.id }, { status: 1, attempts: 1, eventId: 1, subscriptionId: 1 }).lean<DeliveryDoc[]>();

  /** Every (event, subscription) arrived at least once and every delivery is settled. */
  const waitForAll = async (ws: TestWorkspace, r: CountingReceiver, subs: Subscription[], eventIds: string[], except?: WorkerProcess) => {
    const expected = expectedKeys(subs, eventIds);
    await whileAllAlive(
      eventually(
        async () => {
          const arrived = r.arrivals();
          if (!expected.every((k) => arrived.has(k))) return undefined;
          const settled = (await deliveriesOf(ws)).filter((d) => d.status !== 'pending').length;
          return settled === expected.length ? true : undefined;
        },
        90_000,
        `all ${expected.length} deliveries arrived and settled`,
      ),
      except,
    );
    const deliveries = await deliveriesOf(ws);
    expect(deliveries).toHaveLength(expected.length);
    expect(deliveries.filter((d) => d.status !== 'succeeded')).toEqual([]);
    // Nothing arrived that was not expected (another test's event, a wrong path).
    expect([...r.arrivals().keys()].filter((k) => !expected.includes(k))).toEqual([]);
    return deliveries;
  };

  /** Dispatch partition → pid of the worker running its polling activity now (`<pid>@<host>`). */
  const partitionHolders = async (): Promise<Map<number, number>> => {
    const holders = new Map<number, number>();
    for (let n = 0; n < PARTITIONS; n++) {
      const description = await stack.temporal.workflow.getHandle(workflowIds.webhookDispatch(stack.config.TEMPORAL_TASK_QUEUE, n)).describe();
      const identity = description.raw.pendingActivities?.[0]?.lastWorkerIdentity;
      if (identity) holders.set(n, Number.parseInt(identity, 10));
    }
    return holders;
  };

  it('delivers 300 events × 6 subscriptions emitted through both APIs exactly once each', async () => {
    const ws = await roomyWorkspace(stack, 'Webhooks scale-out');
    const r = await newReceiver();
    const subs = await spreadSubscriptions(ws, r);
    const eventIds = Array.from({ length: 300 }, (_, i) => `evt_so_${ws.id.slice(-6)}_${i}`);
    await whileAllAlive(emitAll(ws, eventIds, 0));

    const deliveries = await waitForAll(ws, r, subs, eventIds);
    const arrived = r.arrivals();
    const duplicated = [...arrived].filter(([, n]) => n > 1);
    expect({ lost: expectedKeys(subs, eventIds).filter((k) => !arrived.has(k)).length, duplicated: duplicated.length }).toEqual({ lost: 0, duplicated: 0 });
    expect(r.http.requests).toHaveLength(eventIds.length * SUBSCRIPTIONS);
    expect(deliveries.filter((d) => d.attempts.length !== 1)).toEqual([]);
    // A sample through the API as well.
    const sample = await stack.request('GET', `/api/v1/deliveries/${deliveryIdFor(eventIds[0], subs[0].id)}`, { key: ws.secretKey });
    expect(sample.body).toMatchObject({ status: 'succeeded', attempts: [{ number: 1, httpStatus: 200 }] });
    console.log(`webhooks scale-out, no fault: dispatch partition → worker pid ${JSON.stringify([...(await partitionHolders())])}`);
  }, 150_000);

  it('loses nothing when the worker running a batch is SIGKILLed mid-flight; duplicates come only from that batch', async () => {
    const ws = await roomyWorkspace(stack, 'Webhooks scale-out kill');
    const r = await newReceiver();
    r.delayMs = 300; // a batch takes a while: it is caught mid-flight
    const subs = await spreadSubscriptions(ws, r);
    const prefix = `evt_kill_${ws.id.slice(-6)}`;
    const warmUp = Array.from({ length: 10 }, (_, i) => `${prefix}_w${i}`);
    await whileAllAlive(emitAll(ws, warmUp, 0));
    // Warmed up and delivered, so the kill below lands in a batch of the stream.
    await whileAllAlive(eventually(async () => (expectedKeys(subs, warmUp).every((k) => r.arrivals().has(k)) ? true : undefined), 60_000, 'the warm-up delivered'));

    // The victim: the worker holding most of the partitions this workspace's subscriptions use.
    const holders = await partitionHolders();
    const used = new Set(subs.map((s) => s.partition));
    const count = (pid: number) => [...holders].filter(([n, p]) => used.has(n) && p === pid).length;
    const victim = [...workers].sort((a, b) => count(b.child.pid ?? 0) - count(a.child.pid ?? 0))[0];
    const survivor = workers.find((w) => w !== victim) as WorkerProcess;
    const victimPid = victim.child.pid as number;
    const held = [...holders].filter(([n, pid]) => used.has(n) && pid === victimPid).map(([n]) => n);
    expect(held.length).toBeGreaterThan(0);
    const victimPaths = new Set(subs.filter((s) => held.includes(s.partition)).map((s) => s.path));

    // A steady stream; once the victim has several requests waiting on the slow receiver (its
    // batch is sent but not yet recorded), SIGKILL it.
    const streamed = Array.from({ length: 150 }, (_, i) => `${prefix}_${i}`);
    const sending = whileAllAlive(
      (async () => {
        for (let i = 0; i < streamed.length; i += 10) {
          await emitAll(ws, streamed.slice(i, i + 10), i);
          await sleep(100);
        }
      })(),
      victim,
    );
    sending.catch(() => undefined); // awaited below; a failure meanwhile is not an unhandled rejection
    const answeringForVictim = () => [...victimPaths].reduce((sum, p) => sum + (r.answering.get(p) ?? 0), 0);
    await whileAllAlive(eventually(async () => (answeringForVictim() >= 3 ? true : undefined), 30_000, 'a batch of the victim in flight'));
    process.kill(victimPid, 'SIGKILL');
    await victim.exited;
    expect(victim.child.signalCode).toBe('SIGKILL');

    // In flight at the kill: what reached the receiver from the victim's partitions with no attempt
    // recorded (a batch records its outcomes at its end). Only these may arrive twice: the re-run
    // re-reads its deliveries and skips those the victim recorded before it died. A request
    // the victim wrote just before dying may still sit in a socket buffer: let it land first (no
    // one else sends for these partitions until Temporal hands the victim's activity to the survivor).
    await sleep(2_000);
    const sentByVictim = r.arrivals(victimPaths);
    const pathOf = new Map(subs.map((s) => [s.id, s.path]));
    const unrecorded = new Set(
      (await deliveriesOf(ws)).filter((d) => d.attempts.length === 0).map((d) => `${pathOf.get(d.subscriptionId)} ${d.eventId}`),
    );
    const inFlight = new Set([...sentByVictim.keys()].filter((k) => unrecorded.has(k)));
    expect(inFlight.size).toBeGreaterThan(0);
    await sending;

    const eventIds = [...warmUp, ...streamed];
    await waitForAll(ws, r, subs, eventIds, victim);
    const arrived = r.arrivals();
    const duplicated = [...arrived].filter(([, n]) => n > 1);
    const extraArrivals = duplicated.reduce((sum, [, n]) => sum + n - 1, 0);
    console.log(
      `webhooks scale-out, worker SIGKILLed mid-batch: ${eventIds.length * SUBSCRIPTIONS} deliveries, 0 lost, ` +
        `${duplicated.length} delivered twice (${extraArrivals} extra arrivals, same webhook-id) of ${inFlight.size} in flight at the kill`,
    );
    expect(expectedKeys(subs, eventIds).filter((k) => !arrived.has(k))).toEqual([]);
    expect(duplicated.filter(([k]) => !inFlight.has(k))).toEqual([]);
    expect(extraArrivals).toBeLessThanOrEqual(inFlight.size);

    // The victim's partitions moved to the survivor.
    const after = await partitionHolders();
    for (const n of held) expect({ partition: n, pid: after.get(n) }).toEqual({ partition: n, pid: survivor.child.pid });
    expect(survivor.child.exitCode).toBeNull();
  }, 150_000);
});
