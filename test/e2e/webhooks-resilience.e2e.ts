import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/stack/child-process';
import { startTemporalDevServer, type EmbeddedTemporal, type TemporalDevServerOptions } from '../../scripts/stack/temporal';
import { eventSamples } from '../../core/events/event-samples';
import { DeliveryModel } from '../../core/webhooks/delivery.model';
import { TestReceiver } from '../support/receiver';
import { eventually, requiredEnv, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

const lead = (id: string) => ({ ...eventSamples['lead.created'], id });

/**
 * Crashes under real conditions: a worker OS process SIGKILLed in the middle of an HTTP attempt,
 * and the Temporal server stopped and started again on its data file. The file runs its own
 * Temporal dev server: the second test stops it, and the worker processes of the first create
 * the cluster-wide maintenance schedules (worker/main.ts), which must not land on the shared one.
 */
describe('webhook delivery survives crashes (real processes, real Temporal)', () => {
  let dir: string;
  let serverOptions: TemporalDevServerOptions;
  let temporal: EmbeddedTemporal | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signalbox-resilience-'));
    serverOptions = { bin: requiredEnv('SIGNALBOX_TEMPORAL_BIN'), dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logDir: dir };
    temporal = await startTemporalDevServer(serverOptions);
    // This jest file's own process.env: startTestStack reads its Temporal address from here.
    process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
  }, 90_000);
  afterAll(async () => {
    await temporal?.stop();
    if (!process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const subscribe = async (stack: TestStack, ws: TestWorkspace, url: string) => {
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events: ['lead.created'] } });
    expect(res.status).toBe(201);
  };
  const emit = async (stack: TestStack, ws: TestWorkspace, data: unknown) => {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data });
    expect(res.status).toBe(202);
    return res.body as { event: { id: string }; deliveryIds: string[] };
  };
  const settled = (stack: TestStack, ws: TestWorkspace, deliveryId: string, timeoutMs: number) =>
    eventually(async () => {
      const res = await stack.request('GET', `/api/v1/deliveries/${deliveryId}`, { key: ws.secretKey });
      return res.status === 200 && res.body.status !== 'pending' ? res.body : undefined;
    }, timeoutMs, `delivery ${deliveryId} to finish`);

  describe('a worker process killed during an attempt', () => {
    const webhookEnv = { WEBHOOK_TIMEOUT: '2s', WEBHOOK_RETRY_SCHEDULE: '0s,200ms,200ms', WEBHOOK_RETRY_JITTER: '0' };
    let stack: TestStack;
    let receiver: TestReceiver | undefined;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      stack = await startTestStack({ worker: false, env: webhookEnv });
    }, 60_000);
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.kill()));
      await receiver?.close();
      await stack?.close();
    }, 30_000);

    const spawnWorker = () => {
      const worker = startWorkerProcess({
        MONGODB_URI: stack.config.MONGODB_URI,
        TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
        ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
        LOG_LEVEL: 'warn',
        ...webhookEnv,
      });
      workers.push(worker);
      return worker;
    };
    /** A wait that fails at once, with the worker's output, if the worker process dies. */
    const whileAlive = <T>(worker: WorkerProcess, wait: Promise<T>): Promise<T> =>
      Promise.race([
        wait,
        worker.exited.then(() => {
          throw new Error(`worker process exited (${worker.child.exitCode ?? worker.child.signalCode}):\n${worker.output()}`);
        }),
      ]);

    it('is delivered by a fresh worker process after the first one is SIGKILLed mid-request', async () => {
      receiver = await TestReceiver.start();
      receiver.reply(() => undefined); // the first request never gets an answer; later ones get 200
      const ws = await stack.createWorkspace('Worker crash');
      await subscribe(stack, ws, `${receiver.url}/hook`);
      const { event, deliveryIds } = await emit(stack, ws, lead('lead_crash'));
      expect(deliveryIds).toHaveLength(1);

      const first = spawnWorker();
      await whileAlive(first, receiver.waitForRequests(1, 120_000)); // includes bundling the workflows
      await first.kill();
      expect(first.child.signalCode).toBe('SIGKILL');
      expect(receiver.requests).toHaveLength(1);

      const second = spawnWorker();
      // The lost attempt is retried once its activity times out (WEBHOOK_TIMEOUT + 10 s).
      const delivery = await whileAlive(second, settled(stack, ws, deliveryIds[0], 120_000));
      expect(delivery.status).toBe('succeeded');
      expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
      expect(new Set(receiver.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([event.id]));
      expect(new Set(receiver.requests.map((q) => q.headers['x-signalbox-delivery']))).toEqual(new Set([deliveryIds[0]]));
      expect(delivery.attempts.length).toBeGreaterThanOrEqual(1);
      expect(delivery.attempts.at(-1)).toMatchObject({ httpStatus: 200, errorClass: null });
      expect(second.child.exitCode).toBeNull(); // the fresh worker is still running
    }, 240_000);
  });

  describe('the Temporal server stopped and started again', () => {
    let stack: TestStack;
    let receiver: TestReceiver | undefined;

    beforeAll(async () => {
      stack = await startTestStack({ env: { WEBHOOK_TIMEOUT: '2s', WEBHOOK_RETRY_SCHEDULE: '0s,3s,3s,3s,3s,3s', WEBHOOK_RETRY_JITTER: '0' } });
    }, 60_000);
    afterAll(async () => {
      await receiver?.close();
      await stack?.close();
    }, 30_000);

    it('resumes the pending deliveries from its data file, with the same in-process worker', async () => {
      receiver = await TestReceiver.start();
      receiver.fallback = 503;
      const ws = await stack.createWorkspace('Temporal restart');
      await subscribe(stack, ws, `${receiver.url}/hook`);
      const emitted = [];
      for (const n of [1, 2, 3]) emitted.push(await emit(stack, ws, lead(`lead_restart_${n}`)));
      const deliveryIds = emitted.flatMap((e) => e.deliveryIds);
      expect(deliveryIds).toHaveLength(3);

      // Every delivery has failed at least once and is waiting for its next (Temporal) timer.
      await eventually(async () => {
        const rows = await DeliveryModel.find({ _id: { $in: deliveryIds } }).lean();
        return rows.length === 3 && rows.every((d) => d.status === 'pending' && d.attempts.length >= 1) ? rows : undefined;
      }, 30_000, 'a first failed attempt of every delivery');

      await temporal?.stop();
      temporal = undefined;
      await sleep(2_000);
      receiver.fallback = 200; // the endpoint recovers while Temporal is down
      temporal = await startTemporalDevServer(serverOptions); // same port, same data file
      expect(temporal.address).toBe(stack.config.TEMPORAL_ADDRESS);

      for (const id of deliveryIds) {
        const delivery = await settled(stack, ws, id, 45_000);
        expect(delivery.status).toBe('succeeded');
        expect(delivery.attempts[0]).toMatchObject({ httpStatus: 503, errorClass: 'http_status' });
        expect(delivery.attempts.at(-1)).toMatchObject({ httpStatus: 200, errorClass: null });
      }
      const receivedIds = new Set(receiver.requests.map((q) => q.headers['webhook-id']));
      expect(receivedIds).toEqual(new Set(emitted.map((e) => e.event.id)));
    }, 90_000);
  });
});
