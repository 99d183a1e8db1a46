import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort } from '../../scripts/stack/child-process';
import { startFerretDb } from '../../scripts/stack/ferretdb';
import { startTemporalDevServer } from '../../scripts/stack/temporal';

/**
 * Starts one FerretDB and one Temporal dev server on free ports for the whole run, and
 * bundles the workflows once. Test files isolate themselves by database name and task queue.
 */
export default async function globalSetup(): Promise<void> {
  const temporalBin = process.env.SIGNALBOX_TEMPORAL_BIN;
  const ferretBin = process.env.SIGNALBOX_FERRETDB_BIN;
  if (!temporalBin || !ferretBin) throw new Error('SIGNALBOX_TEMPORAL_BIN / SIGNALBOX_FERRETDB_BIN are not set: run the tests with ./scripts/test');

  const dir = mkdtempSync(join(tmpdir(), 'signalbox-test-'));
  const [db, temporal, bundle] = await Promise.all([
    freePort().then((port) => startFerretDb({ bin: ferretBin, dataDir: join(dir, 'ferretdb'), port, logDir: dir })),
    freePort().then((port) => startTemporalDevServer({ bin: temporalBin, dbFile: join(dir, 'temporal.db'), port, namespace: 'default', logDir: dir })),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  process.env.SIGNALBOX_TEST_DIR = dir;
  process.env.SIGNALBOX_TEST_MONGO_URI = db.uri;
  process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.SIGNALBOX_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as Record<string, unknown>).__signalboxStack = { db, temporal };
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
