import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Installs the Temporal runtime with a quieter logger (the default INFO prints the whole
 * webpack bundling report on every start). Call once per process, before any worker.
 */
export function installWorkerRuntime(level: LogLevel = 'WARN'): void {
  Runtime.install({ logger: new DefaultLogger(level) });
}
