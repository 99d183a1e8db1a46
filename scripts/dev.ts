/**
 * The embedded stack behind `./scripts/dev`: FerretDB + Temporal dev server (unless
 * MONGODB_URI / TEMPORAL_ADDRESS point elsewhere), then the worker and the API in this
 * process. Data persists under .data/ (or SIGNALBOX_DATA_DIR). Ctrl-C drains and stops all.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { startApi } from '../api/server';
import { parseConfig, publicUrl, type Config } from '../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../core/platform/db';
import { createLogger, logFormatFor } from '../core/platform/logger';
import { createTemporalClient } from '../core/platform/temporal/client';
import { createWorker } from '../worker/create-worker';
import { ensureSchedules } from '../worker/schedules';
import { installWorkerRuntime } from '../worker/runtime';
import { isPortFree, type ManagedProcess } from './stack/child-process';
import { ensureDemoWorkspace, type DemoCredentials } from './stack/demo-workspace';
import { startFerretDb } from './stack/ferretdb';
import { forgetPids, killLeftovers, rememberPids } from './stack/pid-file';
import { startTemporalDevServer } from './stack/temporal';

const dataDir = resolve(process.env.SIGNALBOX_DATA_DIR ?? join(__dirname, '..', '.data'));
const logDir = join(dataDir, 'logs');

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  await killLeftovers(dataDir);
  const children: ManagedProcess[] = [];
  const stopChildren = () => Promise.all(children.reverse().map((c) => c.stop()));
  try {
    const env = { ...process.env };
    const [mongoUri, temporal] = await Promise.all([
      env.MONGODB_URI ? undefined : startEmbeddedDatabase(children),
      env.TEMPORAL_ADDRESS ? undefined : startEmbeddedTemporal(children),
    ]);
    rememberPids(dataDir, children);
    const config = parseConfig({
      ...env,
      NODE_ENV: env.NODE_ENV ?? 'development',
      MONGODB_URI: env.MONGODB_URI ?? `${mongoUri}/signalbox`,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS ?? temporal?.address,
      TEMPORAL_UI_URL: env.TEMPORAL_UI_URL ?? temporal?.uiUrl,
      SIGNALBOX_ADMIN_TOKEN: env.SIGNALBOX_ADMIN_TOKEN ?? localAdminToken(),
      // The dev stack delivers webhooks to receivers on this machine.
      ALLOW_PRIVATE_WEBHOOK_TARGETS: env.ALLOW_PRIVATE_WEBHOOK_TARGETS ?? 'true',
    });
    await runApplication(config, stopChildren);
  } catch (err) {
    process.stderr.write(`\n[signalbox] could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopChildren();
    process.exit(1);
  }
}

async function startEmbeddedDatabase(children: ManagedProcess[]): Promise<string> {
  const port = Number(process.env.SIGNALBOX_MONGO_PORT ?? 27017);
  await assertPortFree(port, 'FerretDB', 'SIGNALBOX_MONGO_PORT');
  const bin = requiredEnv('SIGNALBOX_FERRETDB_BIN');
  const db = await startFerretDb({ bin, dataDir: join(dataDir, 'ferretdb'), port, logDir });
  children.push(db.process);
  return db.uri;
}

async function startEmbeddedTemporal(children: ManagedProcess[]) {
  const port = Number(process.env.SIGNALBOX_TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.SIGNALBOX_TEMPORAL_UI_PORT ?? port + 1000);
  await assertPortFree(port, 'Temporal', 'SIGNALBOX_TEMPORAL_PORT');
  await assertPortFree(uiPort, 'the Temporal UI', 'SIGNALBOX_TEMPORAL_UI_PORT');
  const bin = requiredEnv('SIGNALBOX_TEMPORAL_BIN');
  const temporal = await startTemporalDevServer({ bin, dbFile: join(dataDir, 'temporal.db'), port, uiPort, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', logDir });
  children.push(temporal.process);
  return temporal;
}

async function runApplication(config: Config, stopChildren: () => Promise<unknown>): Promise<void> {
  // Readable lines on a terminal, JSON when piped or under CI / docker.
  const logger = createLogger(config.LOG_LEVEL, 'signalbox', { pretty: logFormatFor({ isTTY: process.stdout.isTTY, env: config.NODE_ENV }).pretty });
  installWorkerRuntime();
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  await ensureSchedules(temporal, config.TEMPORAL_TASK_QUEUE);
  const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, deps: { config, logger, temporal } });
  const workerDone = worker.run();
  const api = await startApi(config, logger, { connectDb: false });
  const demo = await ensureDemoWorkspace({ config, logger, dataDir });
  printBanner(config, demo);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n[signalbox] ${signal}: draining the worker and stopping…\n`);
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone.catch((err) => logger.error({ err }, 'worker stopped with an error'));
    await api.close();
    await connection.close();
    await temporal.connection.close();
    await disconnectDatabase();
    await stopChildren();
    forgetPids(dataDir);
    process.stdout.write('[signalbox] stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  workerDone.catch((err) => {
    logger.error({ err }, 'worker failed');
    void shutdown('worker failure');
  });
}

function printBanner(config: Config, demo: DemoCredentials): void {
  const url = publicUrl(config);
  const lines = [
    '',
    '  Signalbox is running.',
    '',
    `  API            ${url}/api/v1`,
    `  API docs       ${url}/docs   (OpenAPI: ${url}/api/v1/openapi.json)`,
    `  Console        ${url}/console   (sign in with the secret key below)`,
    `  Temporal UI    ${config.TEMPORAL_UI_URL ?? '(external Temporal: ' + config.TEMPORAL_ADDRESS + ')'}`,
    `  MongoDB        ${config.MONGODB_URI}`,
    `  Admin token    ${config.SIGNALBOX_ADMIN_TOKEN}   (from ${join(dataDir, 'admin-token')})`,
    '',
    `  Demo workspace ${demo.workspaceId} "${demo.workspaceName}"`,
    `  Secret key       ${demo.secretKey}`,
    `  Publishable key  ${demo.publishableKey}`,
    `  Tracking tag     <script src="${url}/signalbox.js" data-key="${demo.publishableKey}" async></script>`,
    '',
    '  Try it:',
    `    curl -s ${url}/api/v1/me -H "Authorization: Bearer ${demo.secretKey}"`,
    `    curl -s ${url}/api/v1/me -H "X-API-Key: ${demo.publishableKey}"`,
    `    curl -s ${url}/api/v1/ingest -H "X-API-Token: ${demo.publishableKey}" -H "Content-Type: application/json" -d '{"type":"pageview","data":{"visitor_fingerprint":"fp_demo","url":"https://example.com/pricing?utm_source=newsletter"}}'`,
    `    curl -s ${url}/api/v1/visitors -H "Authorization: Bearer ${demo.secretKey}"`,
    `    curl -s ${url}/readyz`,
    '',
    '  Ctrl-C stops everything; data stays in ' + dataDir,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** A per-checkout admin token, made once and kept in the data folder. */
function localAdminToken(): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `adm_${randomBytes(24).toString('hex')}`;
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new Error(`port ${port} for ${what} is in use (another Signalbox or Temporal running?); stop it or set ${variable}`);
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the stack with ./scripts/dev, which builds the binaries`);
  return value;
}

void main();
