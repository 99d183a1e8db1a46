import { randomAlphanumeric } from '../../core/workspaces/api-keys';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../api/server';
import { parseConfig, type Config } from '../../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../../core/platform/db';
import { createLogger } from '../../core/platform/logger';
import { createWorker, type SignalboxWorker } from '../../worker/create-worker';
import { installWorkerRuntime } from '../../worker/runtime';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestWorkspace {
  id: string;
  secretKey: string;
  publishableKey: string;
}

export interface TestStack {
  url: string;
  config: Config;
  temporal: Client;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  admin<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  createWorkspace(name?: string, extra?: Record<string, unknown>): Promise<TestWorkspace>;
  /** Starts a second API process-equivalent on the same database (shared state, e.g. rate limits). */
  startExtraApi(): Promise<RunningApi>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Run a worker on this stack's own task queue (default true). */
  worker?: boolean;
  /** Override the shared FerretDB (e.g. a private one the test stops). */
  mongoBaseUri?: string;
  env?: Record<string, string>;
}

/**
 * The real stack for one test file: API on a free port, a worker on its own task queue, a
 * database of its own on the run's FerretDB, the run's Temporal dev server.
 */
export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const suffix = randomAlphanumeric(8).toLowerCase();
  const config = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.SIGNALBOX_TEST_LOG_LEVEL ?? 'silent',
    API_PORT: '0',
    MONGODB_URI: `${opts.mongoBaseUri ?? requiredEnv('SIGNALBOX_TEST_MONGO_URI')}/t_${suffix}`,
    TEMPORAL_ADDRESS: requiredEnv('SIGNALBOX_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: `test-${suffix}`,
    SIGNALBOX_ADMIN_TOKEN: ADMIN_TOKEN,
    ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true',
    ...opts.env,
  });
  const logger = createLogger(config.LOG_LEVEL, 'signalbox-test');
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);

  const activityClient = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  let worker: SignalboxWorker | undefined;
  let workerRun: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (opts.worker !== false) {
    if (!runtimeInstalled()) installWorkerRuntime('WARN');
    nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await createWorker({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundlePath: requiredEnv('SIGNALBOX_TEST_WORKFLOW_BUNDLE'),
      deps: { config, logger, temporal: activityClient },
    });
    workerRun = worker.run();
  }

  const api = await startApi(config, logger, { connectDb: false });
  const extraApis: RunningApi[] = [];
  const temporal = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });

  const request = async <T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.key) headers.authorization ??= `Bearer ${o.key}`;
    let body: string | Buffer | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(api.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };

  const stack: TestStack = {
    url: api.url,
    config,
    temporal,
    request,
    admin: (method, path, body) => request(method, `/admin/v1${path}`, { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    async createWorkspace(name = 'Test workspace', extra = {}) {
      const res = await stack.admin('POST', '/workspaces', { name, ...extra });
      if (res.status !== 201) throw new Error(`workspace creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      const keyOf = (kind: string) => res.body.keys.find((k: { kind: string }) => k.kind === kind).key as string;
      return { id: res.body.workspace.id, secretKey: keyOf('secret'), publishableKey: keyOf('publishable') };
    },
    async startExtraApi() {
      const extra = await startApi(config, logger, { connectDb: false });
      extraApis.push(extra);
      return extra;
    },
    async close() {
      await Promise.all([api.close(), ...extraApis.map((a) => a.close())]);
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await nativeConnection?.close();
      await temporal.connection.close();
      await activityClient.connection.close();
      await disconnectDatabase();
    },
  };
  return stack;
}

function runtimeInstalled(): boolean {
  return (Runtime as unknown as { _instance?: unknown })._instance !== undefined;
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the suite with ./scripts/test`);
  return value;
}

/** Polls until `check` returns a value other than undefined. For async effects (workflows). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
