import { NativeConnection } from '@temporalio/worker';
import { createTemporalClient } from '../core/platform/temporal/client';
import { ensureSchedules } from './schedules';
import { loadConfigOrExit } from '../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../core/platform/db';
import { createLogger } from '../core/platform/logger';
import { ensureSearchAttributes } from '../core/platform/temporal/ensure-search-attributes';
import { createWorker } from './create-worker';
import { installWorkerRuntime } from './runtime';
import type { Deps } from '../core/platform/deps';
import { ensureAllIngestPartitions, replaceSignalFedPartitions } from '../core/ingest/start-ingest-partitions';

/** Runs the Temporal worker until SIGINT/SIGTERM, then drains in-flight tasks and exits. */
export async function runWorker(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'signalbox-worker');
  installWorkerRuntime(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'INFO' : 'WARN');
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch((err) => {
      logger.warn({ err }, 'could not check search attributes; workflows may fail to start until they are registered');
      return [];
    });
    if (added.length) logger.info({ added }, 'registered search attributes');
    const temporal = createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
    const schedules = await ensureSchedules(temporal, config.TEMPORAL_TASK_QUEUE);
    if (schedules.length) logger.info({ schedules }, 'created schedules');
    const deps = { config, logger, temporal };
    const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, deps });
    if (config.INGEST_PIPELINE === 'partitions') await startIngestPartitions(deps);
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
    await worker.run(); // resolves after a shutdown signal once in-flight tasks have drained
    logger.info('worker stopped');
    await temporal.connection.close();
  } finally {
    await connection.close();
    await disconnectDatabase();
  }
}

/**
 * The ingest partitions poll the outbox: their workflows run before the first event arrives. A run
 * of the earlier, signal-fed version is replaced. A failure is logged, not fatal: the API's next
 * event and the outbox sweep start them too.
 */
async function startIngestPartitions(deps: Deps): Promise<void> {
  try {
    const replaced = await replaceSignalFedPartitions(deps);
    if (replaced.length) deps.logger.info({ replaced }, 'replaced signal-fed ingest partition runs with ones that poll the outbox');
    await ensureAllIngestPartitions(deps);
  } catch (err) {
    deps.logger.warn({ err }, 'could not start the ingest partitions; the API and the outbox sweep will');
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    process.stderr.write(`signalbox worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
