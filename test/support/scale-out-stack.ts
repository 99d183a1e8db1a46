/**
 * The stack of the scale-out tests: its own Temporal dev server (the worker processes create the
 * cluster-wide schedules), the test stack's API plus a second one on the same database, and two
 * worker OS processes on one task queue, all with the same env.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApi } from '../../api/server';
import { freePort } from '../../scripts/stack/child-process';
import { startTemporalDevServer } from '../../scripts/stack/temporal';
import { eventually, requiredEnv, startTestStack, type TestStack } from './test-stack';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface ScaleOutStack {
  stack: TestStack;
  extraApi: RunningApi;
  workers: WorkerProcess[];
  /** Both API servers' base URLs. */
  apiUrls(): string[];
  /** Pids of the processes polling the stack's workflow task queue (a worker's identity is `<pid>@<host>`). */
  pollerPids(): Promise<Set<number>>;
  /** Fails at once, with the worker's output, if a worker process dies that should not. */
  whileAllAlive<T>(wait: Promise<T>, except?: WorkerProcess): Promise<T>;
  stop(): Promise<void>;
}

export async function startScaleOutStack(name: string, env: Record<string, string>): Promise<ScaleOutStack> {
  const dir = mkdtempSync(join(tmpdir(), `signalbox-${name}-`));
  const temporal = await startTemporalDevServer({ bin: requiredEnv('SIGNALBOX_TEMPORAL_BIN'), dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logDir: dir });
  process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
  const stack = await startTestStack({ worker: false, env });
  const extraApi = await stack.startExtraApi();
  const workerEnv = { MONGODB_URI: stack.config.MONGODB_URI, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE, LOG_LEVEL: 'warn', ...env };
  const workers = [startWorkerProcess(workerEnv), startWorkerProcess(workerEnv)];

  const pollerPids = async (): Promise<Set<number>> => {
    const res = await stack.temporal.workflowService.describeTaskQueue({ namespace: stack.config.TEMPORAL_NAMESPACE, taskQueue: { name: stack.config.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 });
    return new Set((res.pollers ?? []).map((p) => Number.parseInt(String(p.identity), 10)));
  };
  const whileAllAlive = <T>(wait: Promise<T>, except?: WorkerProcess): Promise<T> =>
    Promise.race([
      wait,
      ...workers
        .filter((w) => w !== except)
        .map((w) =>
          w.exited.then(() => {
            throw new Error(`worker process ${w.child.pid} exited (${w.child.exitCode ?? w.child.signalCode}):\n${w.output()}`);
          }),
        ),
    ]);
  const stop = async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await stack.close();
    await temporal.stop();
    if (!process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  };

  // Both workers poll the task queue (each bundles the workflows first).
  await whileAllAlive(eventually(async () => ((await pollerPids()).size === workers.length ? true : undefined), 100_000, 'both worker processes polling'));
  return { stack, extraApi, workers, apiUrls: () => [stack.url, extraApi.url], pollerPids, whileAllAlive, stop };
}
