import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../api/server';
import { parseConfig, type Config } from '../../shared/config';
import { connectDatabase, disconnectDatabase } from '../../shared/db';
import { createLogger } from '../../shared/logger';
import { freePort } from '../../scripts/stack/child-process';
import { startFerretDb, type EmbeddedDatabase } from '../../scripts/stack/ferretdb';
import { startTemporalDevServer, type EmbeddedTemporal } from '../../scripts/stack/temporal';

export interface BenchStack {
  config: Config;
  api: RunningApi;
  worker: ChildProcess;
  adminToken: string;
  stop(): Promise<void>;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/**
 * The embedded stack for a benchmark: FerretDB and the Temporal dev server (as in ./scripts/dev),
 * the API in this process and the worker as its own process (so its memory can be measured).
 */
export async function startBenchStack(env: Record<string, string> = {}): Promise<BenchStack> {
  const temporalBin = process.env.SIGNALBOX_TEMPORAL_BIN;
  const ferretBin = process.env.SIGNALBOX_FERRETDB_BIN;
  if (!temporalBin || !ferretBin) throw new Error('run benchmarks through ./scripts/bench, which builds the binaries');
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-bench-'));
  const [db, temporal]: [EmbeddedDatabase, EmbeddedTemporal] = await Promise.all([
    freePort().then((port) => startFerretDb({ bin: ferretBin, dataDir: join(dir, 'ferretdb'), port, logDir: dir })),
    freePort().then((port) => startTemporalDevServer({ bin: temporalBin, dbFile: join(dir, 'temporal.db'), port, namespace: 'default', logDir: dir })),
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
  const worker = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { env: { ...process.env, ...fullEnv }, stdio: ['ignore', 'inherit', 'inherit'], cwd: join(__dirname, '..', '..') });
  // A benchmark stopped early (Ctrl-C, kill, crash) must not leave its worker running.
  process.once('exit', () => [worker, db.process.child, temporal.process.child].forEach((child) => child.kill('SIGKILL')));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const api = await startApi(config, createLogger('warn', 'bench-api'), { connectDb: false });
  return {
    config,
    api,
    worker,
    adminToken: ADMIN_TOKEN,
    async stop() {
      worker.kill('SIGTERM');
      await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
      await api.close();
      await disconnectDatabase();
      await Promise.all([temporal.stop(), db.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
