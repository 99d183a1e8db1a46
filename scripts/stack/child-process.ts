import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running helper process whose output goes to a log file. */
export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Own process group: a terminal's Ctrl-C reaches only Node, which then stops children in order
  // (the worker drains while Temporal and the database are still up).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  child.once('error', (err) => log.write(`[signalbox] failed to start ${command}: ${err.message}\n`));
  return {
    name,
    child,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const grace = new AbortController();
        const killed = await Promise.race([exited.then(() => true), sleep(graceMs, false, { signal: grace.signal }).catch(() => true)]);
        grace.abort();
        if (!killed) child.kill('SIGKILL');
      }
      await exited;
      log.end();
    },
  };
}

/** Polls `probe` until it resolves true, the process dies, or the deadline passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; process?: ManagedProcess; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.process && opts.process.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${opts.process.child.exitCode} before it was ready${opts.logFile ? `; see ${opts.logFile}` : ''}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} was not ready after ${opts.timeoutMs} ms${opts.logFile ? `; see ${opts.logFile}` : ''}`);
}

/**
 * A free port for a child service to bind later, picked at random below Linux's ephemeral range
 * (32768–60999). Port 0 would hand out an ephemeral one, which the OS may give to any other
 * listener or outgoing connection in the seconds before the child binds it (a parallel test's
 * receiver once answered the dev command's API requests).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIXED_RANGE.from + Math.floor(Math.random() * (FIXED_RANGE.to - FIXED_RANGE.from));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port found in ${FIXED_RANGE.from}–${FIXED_RANGE.to}`);
}

const FIXED_RANGE = { from: 20_000, to: 32_000 };

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
