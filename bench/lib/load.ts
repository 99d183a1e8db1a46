import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

/** One HTTP POST target: an origin (keep-alive pool) and a path with fixed headers. */
export interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** Requests answered with the expected status. */
  ok: number;
  /** Other statuses and network errors, by status (0 = network error). */
  failures: Map<number, number>;
  /** Send → response body read, per successful request (ms). */
  latencies: number[];
  /** Scheduled time → response (open loop only; includes any lateness of the sender). */
  fromSchedule: number[];
  /** Wall time of the phase (s), first send to last response. */
  elapsed: number;
  /** Open loop only: the worst lateness of a send against its schedule (ms). */
  maxSendLag: number;
}

type OnResponse = (i: number, status: number, body: string) => void;

function newResult(): LoadResult {
  return { ok: 0, failures: new Map(), latencies: [], fromSchedule: [], elapsed: 0, maxSendLag: 0 };
}

async function post(pool: Pool, target: Target, body: string, expect: number, i: number, result: LoadResult, onResponse?: OnResponse): Promise<number> {
  const started = performance.now();
  try {
    const res = await pool.request({ method: 'POST', path: target.path, headers: target.headers, body });
    const text = await res.body.text();
    if (res.statusCode !== expect) {
      result.failures.set(res.statusCode, (result.failures.get(res.statusCode) ?? 0) + 1);
      return NaN;
    }
    const latency = performance.now() - started;
    result.ok++;
    result.latencies.push(latency);
    onResponse?.(i, res.statusCode, text);
    return latency;
  } catch {
    result.failures.set(0, (result.failures.get(0) ?? 0) + 1);
    return NaN;
  }
}

/**
 * Closed loop: `concurrency` clients, each sending its next request as soon as the previous one
 * is answered, for `seconds`. Keep-alive connections, one per client.
 */
export async function closedLoop(
  target: Target,
  opts: { concurrency: number; seconds: number; /** Stop after this many requests (default: none). */ requests?: number; expect?: number; body: (i: number) => string; onResponse?: OnResponse },
): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: opts.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const result = newResult();
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < deadline && next < (opts.requests ?? Infinity)) {
          const i = next++;
          await post(pool, target, opts.body(i), opts.expect ?? 202, i, result, opts.onResponse);
        }
      }),
    );
    result.elapsed = (performance.now() - started) / 1000;
  } finally {
    await pool.close();
  }
  return result;
}

/**
 * Open loop: requests sent on a fixed schedule (`rate` per second for `seconds`) whether or not
 * earlier ones were answered, so a slow server cannot slow the sender down.
 */
export async function openLoop(target: Target, opts: { rate: number; seconds: number; maxConnections?: number; expect?: number; body: (i: number) => string; onResponse?: OnResponse }): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: opts.maxConnections ?? 256, pipelining: 1, keepAliveTimeout: 60_000 });
  const result = newResult();
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const interval = 1000 / opts.rate;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < total; ) {
      const now = performance.now();
      while (i < total && started + i * interval <= now) {
        const scheduled = started + i * interval;
        result.maxSendLag = Math.max(result.maxSendLag, now - scheduled);
        const index = i++;
        inFlight.push(
          post(pool, target, opts.body(index), opts.expect ?? 202, index, result, opts.onResponse).then((latency) => {
            if (Number.isFinite(latency)) result.fromSchedule.push(performance.now() - scheduled);
          }),
        );
      }
      if (i < total) await sleep(Math.max(0, started + i * interval - performance.now()));
    }
    await Promise.all(inFlight);
    result.elapsed = (performance.now() - started) / 1000;
  } finally {
    await pool.close();
  }
  return result;
}

export function failuresText(result: LoadResult): string {
  if (result.failures.size === 0) return 'none';
  return [...result.failures].map(([status, n]) => `${n}× ${status === 0 ? 'network error' : status}`).join(', ');
}

// ---- CPU accounting from /proc (Linux) ---------------------------------------------------------

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Busy and total CPU seconds of the whole machine (all cores). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/**
 * Measures the CPU each named process used over a phase, as % of one core; `other` is whatever
 * else ran on the machine (other processes), `idle` the unused share of all cores.
 */
export class CpuMeter {
  private start = new Map<string, number>();
  private machine = machineCpuSeconds();
  private t0 = performance.now();

  constructor(private readonly pids: Record<string, number>) {
    this.reset();
  }

  reset(): void {
    for (const [name, pid] of Object.entries(this.pids)) this.start.set(name, cpuSeconds(pid));
    this.machine = machineCpuSeconds();
    this.t0 = performance.now();
  }

  /** Per process % of one core since reset, plus `other` and `idle` (% of one core). */
  read(): Record<string, number> {
    const wall = (performance.now() - this.t0) / 1000;
    const out: Record<string, number> = {};
    let ours = 0;
    for (const [name, pid] of Object.entries(this.pids)) {
      const used = cpuSeconds(pid) - (this.start.get(name) ?? NaN);
      out[name] = (100 * used) / wall;
      if (Number.isFinite(used)) ours += used;
    }
    const now = machineCpuSeconds();
    const busy = now.busy - this.machine.busy;
    const total = now.total - this.machine.total;
    out.other = Math.max(0, (100 * (busy - ours)) / wall);
    out.idle = Math.max(0, (100 * (total - busy)) / wall);
    return out;
  }
}
