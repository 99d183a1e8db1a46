import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi } from '../../api/server';
import { parseConfig, type Config } from '../../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../../core/platform/db';
import { createLogger } from '../../core/platform/logger';
import { freePort } from '../../scripts/stack/child-process';
import { startFerretDb, type EmbeddedDatabase } from '../../scripts/stack/ferretdb';
import { startTemporalDevServer, type EmbeddedTemporal } from '../../scripts/stack/temporal';
import type { DispatcherStats } from './api-child';

export interface BenchApi {
  url: string;
  /** The process serving the API: this one, or its own child with `api: 'child'`. */
  pid: number;
  /** With `baseline: true` (child API only): the bare insert route, `${baselineUrl}/ingest`. */
  baselineUrl?: string;
  /** `process.memoryUsage()` of the API process. */
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  /** Child API only: what the ingest dispatcher did since the last call (bench/lib/api-child.ts). */
  dispatcherStats?(): Promise<DispatcherStats>;
  /** Child API only: a full garbage collection (node --expose-gc), then `process.memoryUsage()`. */
  collectGarbage?(): Promise<NodeJS.MemoryUsage>;
  close(): Promise<void>;
}

export interface BenchStack {
  config: Config;
  api: BenchApi;
  worker: ChildProcess;
  adminToken: string;
  /** Process ids of the stack's parts, for CPU and memory readings. */
  pids: { ferretdb: number; temporal: number; worker: number; api: number; bench: number };
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** 'child' runs the API in its own process (its RSS is then the API's alone). Default: in this process. */
  api?: 'in-process' | 'child';
  /** Child API only: also serve the bare baseline route (bench/lib/api-child.ts) in the API process. */
  baseline?: boolean;
  /** Where the worker's and the child API's output go (worker.log, api.log); default: this process's stdio. */
  logDir?: string;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const ROOT = join(__dirname, '..', '..');

/**
 * The embedded stack for a benchmark: FerretDB and the Temporal dev server (as in ./scripts/dev),
 * the worker as its own process (so its memory can be measured) and the API in this process or,
 * with `api: 'child'`, in its own. Every child is killed when this process exits (also on Ctrl-C).
 */
export async function startBenchStack(env: Record<string, string> = {}, opts: BenchStackOptions = {}): Promise<BenchStack> {
  const temporalBin = process.env.SIGNALBOX_TEMPORAL_BIN;
  const ferretBin = process.env.SIGNALBOX_FERRETDB_BIN;
  if (!temporalBin || !ferretBin) throw new Error('run benchmarks through ./scripts/bench, which builds the binaries');
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-bench-'));
  const logDir = opts.logDir ?? dir;
  mkdirSync(logDir, { recursive: true });
  const [db, temporal]: [EmbeddedDatabase, EmbeddedTemporal] = await Promise.all([
    freePort().then((port) => startFerretDb({ bin: ferretBin, dataDir: join(dir, 'ferretdb'), port, logDir })),
    freePort().then((port) => startTemporalDevServer({ bin: temporalBin, dbFile: join(dir, 'temporal.db'), port, namespace: 'default', logDir })),
  ]);
  const fullEnv = {
    MONGODB_URI: `${db.uri}/bench`,
    TEMPORAL_ADDRESS: temporal.address,
    API_PORT: String(await freePort()),
    SIGNALBOX_ADMIN_TOKEN: ADMIN_TOKEN,
    ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
    LOG_LEVEL: 'warn',
    ...env,
  };
  const config = parseConfig(fullEnv);
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  const output = (name: string) => (opts.logDir ? openSync(join(logDir, `${name}.log`), 'a') : 'inherit');
  // BENCH_WORKER_CPU_PROF=<dir>: V8 CPU profiles of the worker process (and its workflow threads).
  // BENCH_WORKER_HEAP_MB caps the worker's V8 heap: without it the heap (and RSS) grows lazily on a large host.
  const workerProfile = process.env.BENCH_WORKER_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_WORKER_CPU_PROF] : [];
  const worker = spawn(process.execPath, [...workerProfile, ...(process.env.BENCH_WORKER_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_WORKER_HEAP_MB}`] : []), '--import', 'tsx', 'worker/main.ts'], { env: { ...process.env, ...fullEnv }, stdio: ['ignore', output('worker'), output('worker')], cwd: ROOT });
  const children: ChildProcess[] = [worker, db.process.child, temporal.process.child];
  // A benchmark stopped early (Ctrl-C, kill, crash) must not leave its children running.
  process.once('exit', () => {
    children.forEach((child) => child.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  let api: BenchApi;
  if (opts.api === 'child') {
    const baselinePort = opts.baseline ? String(await freePort()) : '';
    // BENCH_API_CPU_PROF=<dir>: write a V8 CPU profile of the API process there when it exits.
    const profile = process.env.BENCH_API_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_API_CPU_PROF] : [];
    const child = spawn(process.execPath, [...profile, '--expose-gc', '--import', 'tsx', 'bench/lib/api-child.ts'], {
      env: { ...process.env, ...fullEnv, BENCH_BASELINE_PORT: baselinePort },
      stdio: ['ignore', output('api'), output('api'), 'ipc'],
      cwd: ROOT,
    });
    children.push(child);
    api = await childApi(child);
  } else {
    const running = await startApi(config, createLogger('warn', 'bench-api'), { connectDb: false });
    api = { url: running.url, pid: process.pid, memoryUsage: async () => process.memoryUsage(), close: () => running.close() };
  }
  return {
    config,
    api,
    worker,
    adminToken: ADMIN_TOKEN,
    pids: { ferretdb: db.process.child.pid!, temporal: temporal.process.child.pid!, worker: worker.pid!, api: api.pid, bench: process.pid },
    async stop() {
      // The worker drains in-flight tasks on SIGTERM; a large backlog must not hold the benchmark up.
      const workerExited = new Promise((r) => (worker.exitCode !== null || worker.signalCode !== null ? r(null) : worker.once('exit', r)));
      worker.kill('SIGTERM');
      const force = setTimeout(() => worker.kill('SIGKILL'), 30_000);
      await workerExited;
      clearTimeout(force);
      await api.close();
      await disconnectDatabase();
      await Promise.all([temporal.stop(), db.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for the child API's `ready` message (bench/lib/api-child.ts). */
async function childApi(child: ChildProcess): Promise<BenchApi> {
  const ready = await new Promise<{ url: string; baselineUrl?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the API process was not ready within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the API process exited (code ${code}) before it was ready`)));
    child.on('message', (msg: { type?: string; url?: string; baselineUrl?: string }) => {
      if (msg.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ url: msg.url!, baselineUrl: msg.baselineUrl });
    });
  });
  let nextId = 0;
  const ask = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`the API process did not answer '${type}'`)), 10_000);
      const onMessage = (msg: { type?: string; id?: number; value?: T }) => {
        if (msg.type !== type || msg.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg.value as T);
      };
      child.on('message', onMessage);
      child.send({ type, id });
    });
  return {
    ...ready,
    pid: child.pid!,
    memoryUsage: () => ask<NodeJS.MemoryUsage>('memory'),
    dispatcherStats: () => ask<DispatcherStats>('dispatcher'),
    collectGarbage: () => ask<NodeJS.MemoryUsage>('gc'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
