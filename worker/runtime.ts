import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

/** SDK messages that are expected here: the enrichment workers poll activities only, by design. */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);

function logEntry(entry: LogEntry): void {
  if (EXPECTED.has(entry.message)) return;
  const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta && Object.keys(entry.meta).length ? ` ${JSON.stringify(entry.meta)}` : '';
  process.stderr.write(`${at} [${entry.level}] ${entry.message}${meta}\n`);
}

/**
 * Installs the Temporal runtime with a quieter logger (the default INFO prints the whole
 * webpack bundling report on every start). Call once per process, before any worker.
 */
export function installWorkerRuntime(level: LogLevel = 'WARN'): void {
  Runtime.install({ logger: new DefaultLogger(level, logEntry) });
}
