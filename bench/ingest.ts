/**
 * Ingest benchmark:
 *   ./scripts/bench ingest [--seconds 20] [--concurrency 16] [--batch-size 100] [--batch-concurrency 4]
 *     [--fingerprints 10000] [--rate 100] [--lag-seconds 60] [--visitors 1000] [--lag-timeout 120]
 *     [--memory-events 100000] [--memory-pause 15] [--drain-timeout 60]
 *     [--phases lag,baseline,single,open,batch,memory] [--log-dir DIR]
 *     [--pipeline visitors|partitions] [--partitions N] [--partition-run 1m]
 *
 * One run on its own embedded stack (FerretDB on SQLite + Temporal dev server; the worker and the
 * API each in their own process; INGEST_RATE_LIMIT_PER_MINUTE=10,000,000 and a secret key, so no
 * rate limit applies). Clients are undici keep-alive pools in this process. Phases, in run order:
 *   warm-up  — a few hundred requests to each route, then waits (≤ --drain-timeout s) until the
 *              pipeline has applied them.
 *   lag      — (5) pageviews at a steady --rate/s over --visitors fingerprints for --lag-seconds, in
 *              its own workspace, first, while the pipeline is idle; then waits (≤ --lag-timeout s)
 *              until every accepted event is in `ingest_events`: lag = appliedAt − receivedAt
 *              p50/p99/max (an event never applied counts as infinitely late), how many were
 *              applied, and the backlog (accepted, not yet applied) while sending and when it stopped.
 *   baseline — (1) a bare Express route in the API process, on the same mongoose pool: parses the
 *              same JSON, does the one `insertOne` an accepted ingest does (an outbox-shaped document
 *              into `bench_baseline` of the same database), answers 202 (bench/lib/api-child.ts).
 *              --concurrency closed-loop clients for --seconds: events/s, p50, p99.
 *   single   — (2) POST /api/v1/ingest, pageviews over --fingerprints fingerprints, the same way.
 *   open     — (3) POST /api/v1/ingest open-loop at half the baseline's events/s for --seconds.
 *   batch    — (4) POST /api/v1/ingest/batch, --batch-size events per request, --batch-concurrency
 *              closed-loop clients for --seconds: events/s, p50/p99 per request.
 *   memory   — (6) --memory-events events through /ingest/batch; the API process's RSS (/proc) and
 *              heap at 0/25/50/75/100 % and after a --memory-pause s idle pause, none of them forced;
 *              plus the retained heap from a forced full GC just before and just after the series.
 * --phases runs a subset (the open loop needs the baseline, which then runs too).
 * --pipeline picks INGEST_PIPELINE (default partitions, as in production; --partitions sets INGEST_PARTITIONS,
 * --partition-run INGEST_PARTITION_RUN).
 *
 * Temporal cost: at the end, every workflow execution started during the run is listed through
 * the client's visibility API (`StartTime >= <run start>`, continued-as-new runs included), each
 * history is fetched and its events counted, by workflow type; divided by the events in the
 * processed log (`ingest_events`, every event applied during the run) that gives **Temporal
 * history events per 1,000 applied events** — for the ingest workflows (visitor or partition)
 * alone and for everything the run started (webhook deliveries and sweeps included).
 *
 * The visitor pipeline (worker) runs throughout, as in production, so events accepted in one
 * phase are still being applied in the next. For each phase it also prints the CPU each process
 * used (% of one core; `other` = processes outside the benchmark, `idle` = unused) and per event,
 * the database's own insert/findOne latency from a probe on the bench's connection, and what the
 * API's ingest dispatcher did (events queued or dropped to the outbox sweep, signal-with-start
 * latency; observed by wrapping, behaviour unchanged). At the end: the outbox sweep's runs.
 *
 * Ends with a table of PASS/MISS against the targets (single ≥ 0.8× baseline, open-loop p99
 * ≤ 25 ms, batch ≥ 10× single, lag p50 ≤ 250 ms and p99 ≤ 2 s). Informational only: the exit code
 * is 0 whatever the figures. Logs of FerretDB, Temporal, worker and API, and `top` snapshots taken
 * mid-phase, go to --log-dir (default /tmp/signalbox-bench-ingest-<time>). BENCH_API_CPU_PROF=<dir>
 * writes a V8 CPU profile of the API process there. The default run takes 6–8 minutes on 2 cores.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { Pool } from 'undici';
import { createTemporalClient } from '../core/platform/temporal/client';
import { outboxSweepWorkflow } from '../workflows';
import type { DispatcherStats } from './lib/api-child';
import { startBenchStack, type BenchStack } from './lib/bench-stack';
import { closedLoop, CpuMeter, failuresText, openLoop, type LoadResult, type Target } from './lib/load';
import { acceptedIds, batchBody, createWorkspace, lagsOf, singleBody, waitApplied } from './lib/ingest-lag';
import { fmt, rssMiB, summarize } from './lib/stats';
import { countHistoryEvents } from './lib/temporal-history';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '100' },
    'batch-concurrency': { type: 'string', default: '4' },
    fingerprints: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100' },
    'lag-seconds': { type: 'string', default: '60' },
    visitors: { type: 'string', default: '1000' },
    'lag-timeout': { type: 'string', default: '120' },
    'memory-events': { type: 'string', default: '100000' },
    'memory-pause': { type: 'string', default: '15' },
    'drain-timeout': { type: 'string', default: '60' },
    phases: { type: 'string', default: 'lag,baseline,single,open,batch,memory' },
    'log-dir': { type: 'string' },
    pipeline: { type: 'string', default: 'partitions' },
    partitions: { type: 'string' },
    'partition-run': { type: 'string' },
  },
});
const seconds = Number(opts.seconds);
const concurrency = Number(opts.concurrency);
const batchSize = Number(opts['batch-size']);
const batchConcurrency = Number(opts['batch-concurrency']);
const fingerprints = Number(opts.fingerprints);
const lagRate = Number(opts.rate);
const lagSeconds = Number(opts['lag-seconds']);
const visitors = Number(opts.visitors);
const lagTimeout = Number(opts['lag-timeout']);
const memoryEvents = Number(opts['memory-events']);
const memoryPause = Number(opts['memory-pause']);
const drainTimeout = Number(opts['drain-timeout']);
const phases = new Set(opts.phases.split(',').map((p) => p.trim()));
const pipeline = opts.pipeline;
if (pipeline !== 'visitors' && pipeline !== 'partitions') throw new Error(`--pipeline must be visitors or partitions, got ${pipeline}`);
const logDir = opts['log-dir'] ?? `/tmp/signalbox-bench-ingest-${new Date().toISOString().replace(/[:.]/g, '-')}`;

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

// ---- database readings (the bench's own connection) ---------------------------------------------

/**
 * The database's own latency, seen from the bench's connection (not the API's pool): every 200 ms
 * one `insertOne` into `bench_probe` and one `findOne` by `_id`. Tells waiting on FerretDB apart
 * from waiting in the API.
 */
class DbProbe {
  private timer?: NodeJS.Timeout;
  private inserts: number[] = [];
  private reads: number[] = [];
  private static seq = 0;

  start(): void {
    const db = mongoose.connection.db;
    if (!db) throw new Error('no database handle');
    const probe = db.collection<{ _id: string; at: Date }>('bench_probe');
    this.inserts = [];
    this.reads = [];
    this.timer = setInterval(() => {
      const id = `probe_${process.pid}_${++DbProbe.seq}`;
      const t0 = performance.now();
      void probe.insertOne({ _id: id, at: new Date() }).then(
        () => {
          this.inserts.push(performance.now() - t0);
          const t1 = performance.now();
          return probe.findOne({ _id: id }).then(() => void this.reads.push(performance.now() - t1));
        },
        () => undefined,
      );
    }, 200);
  }

  stop(): string {
    clearInterval(this.timer);
    const w = summarize(this.inserts);
    const r = summarize(this.reads);
    return `insert p50 ${fmt(w.p50, 1)} p99 ${fmt(w.p99, 1)} ms, findOne p50 ${fmt(r.p50, 1)} p99 ${fmt(r.p99, 1)} ms (n=${this.inserts.length})`;
  }
}

function dispatcherText(d: DispatcherStats | undefined): string {
  if (!d) return 'n/a';
  if (pipeline === 'partitions') return `none: the partitions poll the outbox (${d.signals} signal-with-start)`;
  const s = summarize(d.signalMs);
  return `${d.offered} offered, ${d.queued} queued, ${d.dropped} dropped to the sweep; ${d.signals} signal-with-start (p50 ${fmt(s.p50, 1)} p99 ${fmt(s.p99, 1)} ms${d.signalErrors ? `, ${d.signalErrors} failed` : ''}); max pending ${d.maxPending}`;
}

// ---- reporting helpers --------------------------------------------------------------------------

interface PhaseFigures {
  name: string;
  events: number;
  requests: number;
  elapsed: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  failures: string;
  cpu: Record<string, number>;
  db: string;
  dispatcher: string;
}

/** CPU ms per event for each process of the stack, from % of a core over a phase. */
const perEvent = (cpu: Record<string, number>, seconds: number, events: number) =>
  Object.entries(cpu)
    .filter(([name]) => name !== 'idle' && name !== 'other')
    .map(([name, pct]) => `${name} ${fmt(((pct / 100) * seconds * 1000) / Math.max(1, events), 2)}`)
    .join(', ');

const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${fmt(ms, 0)} ms` : 'not applied');

const cpuText = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, v]) => `${name} ${fmt(v, 0)}%`)
    .join(', ');

function snapshotTop(name: string): void {
  execFile('top', ['-b', '-n1', '-w', '200'], { timeout: 10_000 }, (err, stdout) => {
    if (!err) writeFileSync(join(logDir, `top-${name.replace(/[^a-z0-9]+/gi, '-')}.txt`), stdout);
  });
}

/** Runs a load phase with CPU accounting, a mid-phase `top` snapshot and outbox sizes around it. */
async function phase(stack: BenchStack, cpu: CpuMeter, name: string, durationS: number, eventsPerRequest: number, run: () => Promise<LoadResult>): Promise<PhaseFigures> {
  progress(`${name}: starting`);
  const topTimer = setTimeout(() => snapshotTop(name), (durationS * 1000) / 2);
  const probe = new DbProbe();
  await stack.api.dispatcherStats?.();
  probe.start();
  cpu.reset();
  const result = await run();
  const used = cpu.read();
  const db = probe.stop();
  const dispatcher = dispatcherText(await stack.api.dispatcherStats?.());
  clearTimeout(topTimer);
  const s = summarize(result.latencies);
  const figures: PhaseFigures = {
    name,
    events: result.ok * eventsPerRequest,
    requests: result.ok,
    elapsed: result.elapsed,
    eventsPerSecond: (result.ok * eventsPerRequest) / result.elapsed,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    failures: failuresText(result),
    cpu: used,
    db,
    dispatcher,
  };
  progress(
    `${name}: ${figures.requests} requests, ${figures.events} events in ${fmt(figures.elapsed)} s = ${fmt(figures.eventsPerSecond)} events/s; p50 ${fmt(s.p50, 2)} p99 ${fmt(s.p99, 2)} max ${fmt(s.max, 1)} ms; failures ${figures.failures}; CPU ${cpuText(used)}; db probe ${db}; dispatcher ${dispatcher}`,
  );
  return figures;
}

// ---- main ---------------------------------------------------------------------------------------

interface LagFigures {
  sent: number;
  accepted: number;
  applied: number;
  sendRate: number;
  requestP50: number;
  requestP99: number;
  /** Unapplied events count as infinitely late. */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Accepted but not yet applied, from the recorded timestamps: when sending stopped, and the most while sending. */
  backlogAtEnd: number;
  maxBacklog: number;
  /** Last appliedAt − end of sending (s). */
  drainSeconds: number;
  failures: string;
  /** CPU while sending, and from the first send until the last event was applied. */
  cpu: Record<string, number>;
  db: string;
  dispatcher: string;
  /** `_id` look-ups the bench made into ingest_events while waiting (counted in FerretDB's CPU). */
  lookups: number;
  cpuMsPerEvent: Record<string, number>;
}

interface SweepFigures {
  runs: number;
  running: number;
  redispatched: number;
  longestSeconds: number;
}

/**
 * What the ingest outbox sweep (signalbox-outbox-sweep schedule, every minute) did during the run:
 * it re-dispatches outbox entries older than OUTBOX_SWEEP_AFTER, which includes a backlog the
 * pipeline has simply not reached yet, and reads the whole outbox to find them.
 */
async function sweepFigures(stack: BenchStack): Promise<SweepFigures> {
  const client = createTemporalClient({ address: stack.config.TEMPORAL_ADDRESS, namespace: stack.config.TEMPORAL_NAMESPACE });
  const out: SweepFigures = { runs: 0, running: 0, redispatched: 0, longestSeconds: 0 };
  try {
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${outboxSweepWorkflow.name}'` })) {
      const end = wf.closeTime?.getTime() ?? Date.now();
      out.longestSeconds = Math.max(out.longestSeconds, (end - wf.startTime.getTime()) / 1000);
      if (!wf.closeTime) {
        out.running++;
        continue;
      }
      out.runs++;
      if (wf.status.name === 'COMPLETED') {
        const result = await client.workflow.getHandle<typeof outboxSweepWorkflow>(wf.workflowId, wf.runId).result();
        out.redispatched += result.redispatched ?? 0;
      }
    }
  } finally {
    await client.connection.close();
  }
  return out;
}

interface MemoryFigures {
  events: number;
  elapsed: number;
  samples: Array<{ label: string; rss: number; heapUsed: number; external: number }>;
  peakRss: number;
  /** After the series: a forced full GC (informational; the series itself never forces one). */
  afterGc?: { rss: number; heapUsed: number; before: number };
  dispatcher: string;
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  progress(`logs and top snapshots in ${logDir}`);
  const runStarted = new Date();
  const pipelineEnv: Record<string, string> = {
    INGEST_PIPELINE: pipeline,
    ...(opts.partitions ? { INGEST_PARTITIONS: opts.partitions } : {}),
    ...(opts['partition-run'] ? { INGEST_PARTITION_RUN: opts['partition-run'] } : {}),
  };
  progress(`pipeline: ${pipeline}${opts.partitions ? ` (${opts.partitions} partitions)` : ''}${opts['partition-run'] ? `, runs of ${opts['partition-run']}` : ''}`);
  const stack = await startBenchStack({ INGEST_RATE_LIMIT_PER_MINUTE: '10000000', ...pipelineEnv }, { api: 'child', baseline: true, logDir });
  const { ferretdb, temporal, worker, api, bench } = stack.pids;
  const cpu = new CpuMeter({ ferretdb, temporal, worker, api, bench });
  const apiOrigin = stack.api.url;
  const baselineOrigin = stack.api.baselineUrl!;
  const results: Results = {};
  try {
    const main = await createWorkspace(stack, 'Bench ingest');
    const jsonHeaders = { 'content-type': 'application/json' };
    const single: Target = { origin: apiOrigin, path: '/api/v1/ingest', headers: { ...jsonHeaders, authorization: `Bearer ${main.secretKey}` } };
    const batch: Target = { origin: apiOrigin, path: '/api/v1/ingest/batch', headers: single.headers };
    const baseline: Target = { origin: baselineOrigin, path: '/ingest', headers: jsonHeaders };

    // Warm-up: JIT, key cache, collections created; then let the pipeline apply what it got.
    progress('warm-up');
    const warmIds: string[] = [];
    const collect = (_i: number, _status: number, body: string) => warmIds.push(...acceptedIds(body));
    await closedLoop(baseline, { concurrency: 4, seconds: 30, requests: 300, body: singleBody(fingerprints) });
    await closedLoop(single, { concurrency: 4, seconds: 30, requests: 300, body: (i) => singleBody(fingerprints)(i + 40_000_000), onResponse: collect });
    await closedLoop(batch, { concurrency: 2, seconds: 30, requests: 4, body: batchBody(Math.min(fingerprints, 200), Math.min(batchSize, 50), 41_000_000), onResponse: collect });
    const warm = await waitApplied(warmIds, drainTimeout);
    progress(`warm-up: ${warm.applied.size}/${warmIds.length} events applied after ${fmt(warm.seconds)} s`);

    // 5. Ingest → visitor-updated lag at a steady rate, first, on an idle pipeline.
    if (phases.has('lag')) {
      const ws = await createWorkspace(stack, 'Bench lag');
      const target: Target = { origin: apiOrigin, path: '/api/v1/ingest', headers: { ...jsonHeaders, authorization: `Bearer ${ws.secretKey}` } };
      const ids: string[] = [];
      progress(`lag: ${lagRate} events/s over ${visitors} visitors for ${lagSeconds} s`);
      const topTimer = setTimeout(() => snapshotTop('lag'), (lagSeconds * 1000) / 2);
      const whole = new CpuMeter(stack.pids);
      const probe = new DbProbe();
      await stack.api.dispatcherStats?.();
      probe.start();
      cpu.reset();
      const sendStarted = Date.now();
      const sent = await openLoop(target, { rate: lagRate, seconds: lagSeconds, body: singleBody(visitors), onResponse: (_i, _status, body) => ids.push(...acceptedIds(body)) });
      const sendEnded = Date.now();
      const lagCpu = cpu.read();
      const lagDb = probe.stop();
      const lagDispatcher = dispatcherText(await stack.api.dispatcherStats?.());
      clearTimeout(topTimer);
      progress(`lag: sent; waiting (at most ${lagTimeout} s) until all ${ids.length} accepted events are applied`);
      const { applied, missing, lookups } = await waitApplied(ids, lagTimeout);
      const lastApplied = Math.max(sendStarted, ...[...applied.values()].map((a) => a.appliedAt.getTime()));
      const wholeCpu = whole.read();
      const events = [...applied.values()];
      const lags = lagsOf(applied, missing);
      // Backlog at time t = accepted by t − applied by t (the API's and the worker's clocks are this machine's).
      const backlogAt = (t: number) => events.filter((a) => a.receivedAt.getTime() <= t && a.appliedAt.getTime() > t).length + missing.length * Number(t >= sendEnded);
      let maxBacklog = 0;
      for (let t = sendStarted; t <= sendEnded; t += 500) maxBacklog = Math.max(maxBacklog, backlogAt(t));
      const lagSummary = summarize(lags);
      const req = summarize(sent.latencies);
      const wholeSeconds = (Date.now() - sendStarted) / 1000;
      results.lag = {
        sent: Math.round(lagRate * lagSeconds),
        accepted: ids.length,
        applied: applied.size,
        sendRate: sent.ok / lagSeconds,
        requestP50: req.p50,
        requestP99: req.p99,
        lagP50: lagSummary.p50,
        lagP99: lagSummary.p99,
        lagMax: lagSummary.max,
        backlogAtEnd: backlogAt(sendEnded),
        maxBacklog: Math.max(maxBacklog, backlogAt(sendEnded)),
        drainSeconds: missing.length ? Infinity : (lastApplied - sendEnded) / 1000,
        failures: failuresText(sent),
        cpu: lagCpu,
        db: lagDb,
        dispatcher: lagDispatcher,
        lookups,
        cpuMsPerEvent: Object.fromEntries(Object.entries(wholeCpu).map(([name, pct]) => [name, (pct / 100) * wholeSeconds * 1000 / Math.max(1, applied.size)])),
      };
      progress(
        `lag: ${ids.length} accepted, ${applied.size} applied; lag p50 ${fmtMs(lagSummary.p50)} p99 ${fmtMs(lagSummary.p99)} max ${fmtMs(lagSummary.max)}; backlog max ${results.lag.maxBacklog}, ${results.lag.backlogAtEnd} when sending stopped; CPU while sending ${cpuText(lagCpu)}`,
      );
    }

    // 1. Baseline: the bare insert route, closed loop.
    if (phases.has('baseline') || phases.has('open')) {
      results.baseline = await phase(stack, cpu, 'baseline', seconds, 1, () => closedLoop(baseline, { concurrency, seconds, body: singleBody(fingerprints) }));
    }

    // 2. Single ingest, closed loop.
    if (phases.has('single')) {
      results.single = await phase(stack, cpu, 'single', seconds, 1, () => closedLoop(single, { concurrency, seconds, body: singleBody(fingerprints) }));
    }

    // 3. Single ingest, open loop at half the baseline's rate.
    if (phases.has('open') && results.baseline) {
      const rate = Math.max(1, Math.round(results.baseline.eventsPerSecond / 2));
      let fromScheduleP99 = NaN;
      let maxSendLag = NaN;
      const figures = await phase(stack, cpu, `open ${rate}/s`, seconds, 1, async () => {
        const r = await openLoop(single, { rate, seconds, body: (i) => singleBody(fingerprints)(i + 5_000_000) });
        fromScheduleP99 = summarize(r.fromSchedule).p99;
        maxSendLag = r.maxSendLag;
        return r;
      });
      results.open = { ...figures, fromScheduleP99, maxSendLag, rate };
      progress(`open: p99 from schedule ${fmt(fromScheduleP99, 2)} ms, worst send lateness ${fmt(maxSendLag, 1)} ms`);
    }

    // 4. Batch ingest, closed loop.
    if (phases.has('batch')) {
      results.batch = await phase(stack, cpu, `batch ×${batchSize}`, seconds, batchSize, () =>
        closedLoop(batch, { concurrency: batchConcurrency, seconds, body: batchBody(fingerprints, batchSize, 20_000_000) }),
      );
    }

    // 6. API memory over many accepted events.
    if (phases.has('memory')) {
      const requests = Math.ceil(memoryEvents / batchSize);
      const samples: MemoryFigures['samples'] = [];
      const sample = async (label: string) => {
        const usage = await stack.api.memoryUsage();
        const entry = { label, rss: rssMiB(stack.api.pid), heapUsed: usage.heapUsed / 2 ** 20, external: usage.external / 2 ** 20 };
        samples.push(entry);
        progress(`memory ${label}: API RSS ${fmt(entry.rss)} MiB, heap used ${fmt(entry.heapUsed)} MiB, external ${fmt(entry.external)} MiB`);
      };
      let peakRss = rssMiB(stack.api.pid);
      const peak = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(stack.api.pid))), 250);
      // One forced full GC before the series and one after it (not in between): the retained heap
      // then shows what 100,000 accepted events left behind, whatever the collector's timing.
      const retainedBefore = await stack.api.collectGarbage?.();
      await stack.api.dispatcherStats?.();
      await sample('0%');
      const marks = new Map([0.25, 0.5, 0.75].map((f) => [Math.round(requests * f), `${f * 100}%`]));
      let done = 0;
      let next = 0;
      const started = performance.now();
      const pool = new Pool(apiOrigin, { connections: batchConcurrency, keepAliveTimeout: 60_000 });
      const body = batchBody(fingerprints, batchSize, 30_000_000);
      const pending: Promise<void>[] = [];
      setTimeout(() => snapshotTop('memory'), 15_000);
      await Promise.all(
        Array.from({ length: batchConcurrency }, async () => {
          while (next < requests) {
            const i = next++;
            const res = await pool.request({ method: 'POST', path: batch.path, headers: batch.headers, body: body(i) });
            await res.body.dump();
            if (res.statusCode !== 202) throw new Error(`memory phase: batch answered ${res.statusCode}`);
            done++;
            const label = marks.get(done);
            if (label) pending.push(sample(label));
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      await pool.close();
      await Promise.all(pending);
      await sample('100%');
      progress(`memory: ${requests * batchSize} events in ${fmt(elapsed)} s; pausing ${memoryPause} s`);
      await sleep(memoryPause * 1000);
      await sample(`+${memoryPause}s idle`);
      // Not part of the series above: what is still referenced once garbage is gone.
      const collected = await stack.api.collectGarbage?.();
      const afterGc = collected && retainedBefore ? { rss: rssMiB(stack.api.pid), heapUsed: collected.heapUsed / 2 ** 20, before: retainedBefore.heapUsed / 2 ** 20 } : undefined;
      if (afterGc) progress(`memory after a forced full GC: API RSS ${fmt(afterGc.rss)} MiB, heap used ${fmt(afterGc.heapUsed)} MiB (before the series ${fmt(afterGc.before)} MiB)`);
      clearInterval(peak);
      results.memory = { events: requests * batchSize, elapsed, samples, peakRss, afterGc, dispatcher: dispatcherText(await stack.api.dispatcherStats?.()) };
    }

    results.sweep = await sweepFigures(stack).catch((err: unknown) => {
      progress(`could not read the outbox sweep runs: ${String(err)}`);
      return undefined;
    });
    progress('counting Temporal history events of every workflow the run started');
    results.history = await historyFigures(stack, runStarted).catch((err: unknown) => {
      progress(`could not count history events: ${String(err)}`);
      return undefined;
    });
    printReport(results);
  } finally {
    progress('stopping the stack');
    await stack.stop();
  }
}

interface Results {
  baseline?: PhaseFigures;
  single?: PhaseFigures;
  open?: PhaseFigures & { fromScheduleP99: number; maxSendLag: number; rate: number };
  batch?: PhaseFigures;
  lag?: LagFigures;
  memory?: MemoryFigures;
  sweep?: SweepFigures;
  history?: HistoryFigures;
}

interface HistoryFigures {
  /** Per workflow type: executions (runs) and history events. */
  byType: Map<string, { runs: number; events: number }>;
  /** Events in the processed log (applied during the run: the stack is new). */
  applied: number;
  seconds: number;
}

/** Workflow types that apply ingest (the visitor pipeline or the partition pipeline). */
const INGEST_WORKFLOW_TYPES = new Set(['visitorWorkflow', 'ingestPartitionWorkflow']);

/**
 * Lists every workflow execution started since `since` (visibility API; continued-as-new runs are
 * executions of their own) and counts the events of each one's history.
 */
async function historyFigures(stack: BenchStack, since: Date): Promise<HistoryFigures> {
  const started = performance.now();
  const { byGroup: byType } = await countHistoryEvents(stack.config, since);
  const db = mongoose.connection.db;
  if (!db) throw new Error('no database handle');
  const applied = await db.collection('ingest_events').estimatedDocumentCount();
  return { byType, applied, seconds: (performance.now() - started) / 1000 };
}

function printReport(r: Results): void {
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const widths = [34, 9, 9, 9, 9, 9];
  const lines: string[] = ['', `Ingest benchmark, pipeline ${pipeline} (embedded stack: FerretDB/SQLite + Temporal dev server; API and worker in their own processes)`];
  lines.push(`closed loop: ${concurrency} clients (batch: ${batchConcurrency}) for ${seconds} s each; fingerprints ${fingerprints}; batch size ${batchSize}`);
  const others = [r.baseline, r.single, r.open, r.batch, r.lag].flatMap((f) => (f ? [f.cpu.other] : []));
  const otherAvg = others.reduce((a, b) => a + b, 0) / Math.max(1, others.length);
  lines.push(`machine: ${cpus().length} cores; processes outside the benchmark used ${fmt(otherAvg, 0)} % of a core on average during the phases${otherAvg > 15 ? ' — the machine was shared, figures are lower than on an idle one' : ''}`, '');
  lines.push(row(['phase', 'events', 'events/s', 'p50 ms', 'p99 ms', 'max ms'], widths));
  const phaseRow = (label: string, f?: PhaseFigures) => f && lines.push(row([label, String(f.events), fmt(f.eventsPerSecond, 0), fmt(f.p50, 2), fmt(f.p99, 2), fmt(f.max, 1)], widths));
  phaseRow('1 baseline (bare insert route)', r.baseline);
  phaseRow('2 single /ingest (closed loop)', r.single);
  phaseRow(`3 single /ingest open ${r.open?.rate ?? ''}/s`, r.open);
  phaseRow(`4 batch /ingest/batch ×${batchSize} (per req)`, r.batch);
  lines.push('');
  for (const f of [r.baseline, r.single, r.open, r.batch]) {
    if (f) {
      lines.push(`  ${f.name.padEnd(14)} failures: ${f.failures}; CPU (% of a core): ${cpuText(f.cpu)}`);
      lines.push(`  ${''.padEnd(14)} CPU ms per event: ${perEvent(f.cpu, f.elapsed, f.events)}`);
      lines.push(`  ${''.padEnd(14)} db probe: ${f.db}`);
      if (f.name !== 'baseline') lines.push(`  ${''.padEnd(14)} dispatcher: ${f.dispatcher}`);
    }
  }
  if (r.open) {
    lines.push(`  open loop: p99 from the schedule ${fmt(r.open.fromScheduleP99, 2)} ms; worst send lateness ${fmt(r.open.maxSendLag, 1)} ms`);
    if (r.single && r.open.rate > r.single.eventsPerSecond) lines.push(`  open loop: ${r.open.rate}/s is above the single-ingest capacity measured in phase 2 (${fmt(r.single.eventsPerSecond, 0)}/s), so requests queue`);
  }
  if (r.lag) {
    const l = r.lag;
    const fellBehind = l.backlogAtEnd > lagRate * 2 || !Number.isFinite(l.drainSeconds) || l.drainSeconds > 5;
    lines.push(
      '',
      `5 lag at ${lagRate}/s over ${visitors} visitors for ${lagSeconds} s (runs first, idle pipeline): ${l.accepted}/${l.sent} accepted (${fmt(l.sendRate)}/s; request p50 ${fmt(l.requestP50, 2)} p99 ${fmt(l.requestP99, 2)} ms; failures: ${l.failures}), ${l.applied} applied`,
      `  ingest → visitor updated (appliedAt − receivedAt): p50 ${fmtMs(l.lagP50)}, p99 ${fmtMs(l.lagP99)}, max ${fmtMs(l.lagMax)}`,
      `  backlog (accepted, not yet applied): max ${l.maxBacklog} while sending, ${l.backlogAtEnd} when sending stopped; ${Number.isFinite(l.drainSeconds) ? `last applied ${fmt(l.drainSeconds)} s after sending stopped` : `${l.accepted - l.applied} still unapplied after ${lagTimeout} s`}${fellBehind ? ' — the pipeline FELL BEHIND' : ''}`,
      `  CPU while sending (% of a core): ${cpuText(l.cpu)}`,
      `  db probe while sending: ${l.db}`,
      `  dispatcher while sending: ${l.dispatcher}`,
      `  CPU per applied event, first send → last applied (ms): ${Object.entries(l.cpuMsPerEvent).filter(([n]) => n !== 'idle' && n !== 'other').map(([n, v]) => `${n} ${fmt(v)}`).join(', ')} (FerretDB's includes the bench's ${l.lookups} _id look-ups)`,
    );
  }
  if (r.memory) {
    const m = r.memory;
    const first = m.samples[0];
    const last = m.samples[m.samples.length - 1];
    lines.push(
      '',
      `6 API memory over ${m.events} events (/ingest/batch ×${batchSize}, ${fmt(m.events / m.elapsed, 0)} events/s): RSS MiB ${m.samples.map((s) => `${s.label} ${fmt(s.rss)}`).join(', ')}; peak ${fmt(m.peakRss)}`,
      `  heap used MiB ${m.samples.map((s) => `${s.label} ${fmt(s.heapUsed)}`).join(', ')}`,
      `  growth 0% → after pause: RSS ${fmt(last.rss - first.rss)} MiB, heap ${fmt(last.heapUsed - first.heapUsed)} MiB`,
      `  retained heap (forced full GC just before and just after the series): ${fmt(m.afterGc?.before ?? NaN)} → ${fmt(m.afterGc?.heapUsed ?? NaN)} MiB (${fmt(m.afterGc ? m.afterGc.heapUsed - m.afterGc.before : NaN)} MiB kept); RSS after ${fmt(m.afterGc?.rss ?? NaN)} MiB`,
      `  dispatcher: ${m.dispatcher}`,
    );
  }
  if (r.sweep) {
    lines.push('', `outbox sweep (every minute): ${r.sweep.runs} runs finished${r.sweep.running ? `, ${r.sweep.running} running` : ''}, ${r.sweep.redispatched} events re-dispatched, longest run ${fmt(r.sweep.longestSeconds)} s`);
  }
  if (r.history) {
    const h = r.history;
    const sum = (pick: (type: string) => boolean) => [...h.byType].filter(([t]) => pick(t)).reduce((acc, [, v]) => acc + v.events, 0);
    const ingestEvents = sum((t) => INGEST_WORKFLOW_TYPES.has(t));
    const allEvents = sum(() => true);
    const per1000 = (n: number) => fmt((n / Math.max(1, h.applied)) * 1000, 0);
    lines.push(
      '',
      `Temporal history (pipeline: ${pipeline}): ${h.applied} events applied during the run; ${[...h.byType].map(([t, v]) => `${t} ${v.runs} runs / ${v.events} events`).join(', ')} (counted in ${fmt(h.seconds)} s)`,
      `  history events per 1,000 applied events: ${per1000(ingestEvents)} for the ingest workflows, ${per1000(allEvents)} for every workflow the run started`,
    );
  }
  lines.push('', 'target                                   measured              result');
  const target = (label: string, measured: string, ok: boolean | undefined) => lines.push(`${label.padEnd(40)} ${measured.padEnd(21)} ${ok === undefined ? 'n/a' : pass(ok)}`);
  if (r.single && r.baseline) {
    const ratio = r.single.eventsPerSecond / r.baseline.eventsPerSecond;
    target('single / baseline events/s ≥ 0.8×', `${fmt(ratio, 2)}×`, ratio >= 0.8);
  }
  if (r.open) target(`open-loop p99 ≤ 25 ms (at ${r.open.rate}/s)`, `${fmt(r.open.p99, 2)} ms`, r.open.p99 <= 25);
  if (r.batch && r.single) {
    const ratio = r.batch.eventsPerSecond / r.single.eventsPerSecond;
    target('batch / single events/s ≥ 10×', `${fmt(ratio, 2)}×`, ratio >= 10);
  }
  if (r.lag) {
    const complete = r.lag.applied === r.lag.accepted;
    target('lag p50 ≤ 250 ms', fmtMs(r.lag.lagP50), r.lag.lagP50 <= 250);
    target('lag p99 ≤ 2 s', fmtMs(r.lag.lagP99), r.lag.lagP99 <= 2000);
    target('every accepted event applied', `${r.lag.applied}/${r.lag.accepted}`, complete);
  }
  if (r.memory) {
    const m = r.memory;
    target('API RSS growth (informational)', `${fmt(m.samples[m.samples.length - 1].rss - m.samples[0].rss)} MiB`, undefined);
    if (m.afterGc) target('API retained heap growth (informational)', `${fmt(m.afterGc.heapUsed - m.afterGc.before)} MiB`, undefined);
  }
  lines.push('');
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
