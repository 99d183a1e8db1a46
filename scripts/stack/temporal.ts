import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeCliArgs } from '../../core/platform/temporal/search-attributes';
import { startProcess, waitUntil, type ManagedProcess } from './child-process';

export interface EmbeddedTemporal {
  address: string;
  uiUrl?: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  bin: string;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  namespace: string;
  logDir: string;
}

/** Starts the Temporal CLI dev server with Signalbox's search attributes and waits for the namespace. */
export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<EmbeddedTemporal> {
  const logFile = join(opts.logDir, 'temporal.log');
  const args = [
    'server', 'start-dev',
    '--db-filename', opts.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    // WAL with synchronous=NORMAL: durable across process crashes, far fewer fsyncs than the default.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    // One partition per task queue: with the default four, a task can wait in a partition that no
    // poller is on until it is forwarded, which adds up to a second to each step on a small worker fleet.
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    ...searchAttributeCliArgs(),
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1'] : ['--headless']),
  ];
  const proc = startProcess('temporal', opts.bin, args, logFile);
  const address = `127.0.0.1:${opts.port}`;
  await waitUntil('Temporal dev server', () => namespaceReady(address, opts.namespace), { timeoutMs: 60_000, process: proc, logFile });
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: proc,
    stop: () => proc.stop(),
  };
}

async function namespaceReady(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}
