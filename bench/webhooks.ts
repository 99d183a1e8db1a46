/**
 * Webhook delivery benchmark:
 *   ./scripts/bench webhooks [--rate 50] [--seconds 60] [--burst 10000] [--concurrency 16]
 *     [--outage-deliveries 50000] [--outage-concurrency 32] [--wait-for-probe]
 *
 * Phases, all in one run on the embedded stack (FerretDB + Temporal dev server, worker in its
 * own process), each figure printed next to the plain-POST baseline of the same run:
 *   1. baseline — plain HTTP POSTs from Node to the receiver: at --rate for --seconds (latency),
 *                 then --burst of them at --concurrency (requests/s);
 *   2. steady   — events emitted through the API at --rate for --seconds: event→received latency;
 *   3. burst    — --burst events as fast as --concurrency emitters allow: deliveries/s and worker RSS;
 *   4. history  — Temporal history events per 1,000 successful deliveries of steady + burst: every
 *                 workflow execution started during the run is listed (visibility API, continued-
 *                 as-new runs included) and its history counted, by kind (webhook-dispatch-*,
 *                 delivery-*, endpoint-*); the plain POST has none;
 *   5. outage   — the receiver answers 503, the endpoint's circuit opens (WEBHOOK_CIRCUIT_FAILURES),
 *                 then --outage-deliveries events are emitted by --outage-concurrency concurrent
 *                 admin emits while the worker's RSS is sampled every second; once nothing is queued
 *                 or retrying, prints the deliveries waiting (GET /webhooks/:id/health) and the
 *                 workflows open (Temporal list/count). Then the receiver recovers and the
 *                 `endpoint-<subscription>` workflow drains the backlog: time until every event was
 *                 received. By default the bench sends that workflow `probeNow` so the drain starts
 *                 at once; --wait-for-probe waits for its next scheduled probe instead
 *                 (WEBHOOK_CIRCUIT_PROBE_SCHEDULE). --outage-deliveries 0 skips the phase.
 * Counts lost (never received) and duplicated (received more than once) event ids per phase.
 * Target: worker RSS with one endpoint down and 50,000 deliveries waiting ≤ 400 MiB.
 * Progress goes to stderr, the report to stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { eventSamples } from '../core/events/event-samples';
import { createTemporalClient } from '../core/platform/temporal/client';
import { workflowIds } from '../core/platform/temporal/workflow-ids';
import { deliverWebhookWorkflow, probeNowSignal } from '../workflows';
import { startBenchStack } from './lib/bench-stack';
import { CpuMeter } from './lib/load';
import { atSteadyRate, fmt, rssMiB, summarize, withConcurrency } from './lib/stats';
import { countHistoryEvents } from './lib/temporal-history';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    burst: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'outage-deliveries': { type: 'string', default: '50000' },
    'outage-concurrency': { type: 'string', default: '32' },
    'wait-for-probe': { type: 'boolean', default: false },
  },
});
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const burst = Number(opts.burst);
const concurrency = Number(opts.concurrency);
const outageDeliveries = Number(opts['outage-deliveries']);
const outageConcurrency = Number(opts['outage-concurrency']);
const probeNow = !opts['wait-for-probe'];
const RSS_TARGET_MIB = 400;

/** The receiver: records when each webhook-id first arrived and how often. */
function startReceiver() {
  const firstSeen = new Map<string, number>();
  const counts = new Map<string, number>();
  const state = { down: false, refused: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.down) {
        state.refused++;
        return void res.writeHead(503).end();
      }
      const id = String(req.headers['webhook-id'] ?? req.headers['x-bench-id']);
      if (!firstSeen.has(id)) firstSeen.set(id, performance.now());
      counts.set(id, (counts.get(id) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  return new Promise<{ url: string; firstSeen: Map<string, number>; counts: Map<string, number>; state: typeof state; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, firstSeen, counts, state, close: () => server.close() })),
  );
}

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, everyMs));
  return done();
}

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

/** What a workflow id is, for the history breakdown; null for workflows outside webhook delivery. */
function webhookWorkflowKind(wf: { workflowId: string }): string | null {
  if (wf.workflowId.startsWith('webhook-dispatch-')) return 'webhook-dispatch-*';
  if (wf.workflowId.startsWith('delivery-')) return 'delivery-*';
  if (wf.workflowId.startsWith('endpoint-')) return 'endpoint-*';
  return null;
}

interface HealthPage {
  circuit: 'open' | 'closed';
  consecutiveFailures: number;
  deliveries: { queued: number; retrying: number; waiting: number };
  probe: { status: string; probes: number; drained: number } | null;
}

/** RSS samples of one process, one a second, with the time each was taken. */
function rssSampler(pid: number) {
  const samples: Array<{ at: number; mib: number }> = [];
  const take = () => samples.push({ at: performance.now(), mib: rssMiB(pid) });
  take();
  const timer = setInterval(take, 1000);
  return {
    samples,
    /** Start, peak and end of the samples taken in [from, to] (ms, performance.now()). */
    between(from: number, to: number) {
      const picked = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.mib);
      return { start: picked[0] ?? NaN, peak: picked.length ? Math.max(...picked) : NaN, end: picked[picked.length - 1] ?? NaN, n: picked.length };
    },
    last: () => samples[samples.length - 1]?.mib ?? NaN,
    stop() {
      take();
      clearInterval(timer);
    },
  };
}

async function main() {
  const runStarted = new Date();
  const receiver = await startReceiver();
  const stack = await startBenchStack();
  const temporal = createTemporalClient({ address: stack.config.TEMPORAL_ADDRESS, namespace: stack.config.TEMPORAL_NAMESPACE });
  const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
  try {
    const created: any = await (await fetch(`${stack.api.url}/admin/v1/workspaces`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench', rateLimits: { perMinute: 1e7, perDay: 1e9 } }) })).json();
    const workspaceId: string = created.workspace.id;
    const secretKey: string = created.keys.find((k: { kind: string }) => k.kind === 'secret').key;
    const keyHeaders = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
    const sub: any = await (await fetch(`${stack.api.url}/api/v1/webhooks`, { method: 'POST', headers: keyHeaders, body: JSON.stringify({ url: receiver.url, events: ['lead.created'] }) })).json();
    const health = async (): Promise<HealthPage> => {
      const res = await fetch(`${stack.api.url}/api/v1/webhooks/${sub.id}/health`, { headers: keyHeaders });
      if (res.status !== 200) throw new Error(`health answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as HealthPage;
    };
    const workerIdleRss = rssMiB(stack.worker.pid!);

    const sentAt = new Map<string, number>();
    let seq = 0;
    const emit = async (): Promise<void> => {
      const id = `evt_bench_${++seq}`;
      sentAt.set(id, performance.now());
      const body = JSON.stringify({ type: 'lead.created', id, data: { ...eventSamples['lead.created'], id: `lead_${seq}` } });
      const res = await fetch(`${stack.api.url}/admin/v1/workspaces/${workspaceId}/events`, { method: 'POST', headers: admin, body });
      if (res.status !== 202) throw new Error(`emit answered ${res.status}: ${await res.text()}`);
    };
    const latencies = (ids: string[]) => ids.filter((id) => receiver.firstSeen.has(id)).map((id) => receiver.firstSeen.get(id)! - sentAt.get(id)!);
    const idsBetween = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `evt_bench_${from + i + 1}`);
    const lostAndDup = (ids: string[]) => ({ lost: ids.filter((id) => !receiver.firstSeen.has(id)).length, duplicated: ids.filter((id) => (receiver.counts.get(id) ?? 0) > 1).length });

    progress('baseline');
    // 1. Baseline: plain POSTs of the same kind of body to the same receiver, at the steady rate and as a burst.
    const baselineIds: string[] = [];
    const sample = JSON.stringify({ id: 'x', type: 'lead.created', createdAt: new Date().toISOString(), data: eventSamples['lead.created'] });
    const plainPost = async (id: string) => {
      sentAt.set(id, performance.now());
      await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bench-id': id }, body: sample });
    };
    const baselineStart = performance.now();
    await atSteadyRate(rate, rate * seconds, async (i) => {
      baselineIds.push(`baseline_${i}`);
      await plainPost(`baseline_${i}`);
    });
    const baselineElapsed = (performance.now() - baselineStart) / 1000;
    const baseline = summarize(latencies(baselineIds));
    const baselineBurstStart = performance.now();
    await withConcurrency(burst, concurrency, (i) => plainPost(`baseline_burst_${i}`));
    const baselineBurstRate = burst / ((performance.now() - baselineBurstStart) / 1000);

    progress('steady');
    // 2. Steady: events through the API at the same rate.
    const steadyFrom = seq;
    const steadyStart = performance.now();
    await atSteadyRate(rate, rate * seconds, () => emit());
    const steadyIds = idsBetween(steadyFrom, seq);
    await waitFor(() => steadyIds.every((id) => receiver.firstSeen.has(id)), 120_000);
    const steadyElapsed = (performance.now() - steadyStart) / 1000;
    const steady = summarize(latencies(steadyIds));
    const steadyLoss = lostAndDup(steadyIds);
    progress(`steady: ${steadyIds.length} events, ${fmt(steadyIds.length / steadyElapsed)} deliveries/s, p50 ${fmt(steady.p50)} p95 ${fmt(steady.p95)} p99 ${fmt(steady.p99)} ms, lost ${steadyLoss.lost}, dup ${steadyLoss.duplicated} (baseline p50 ${fmt(baseline.p50)} p99 ${fmt(baseline.p99)} ms)`);

    // 3. Burst: throughput and the worker's memory across many deliveries.
    progress('burst');
    const rss = rssSampler(stack.worker.pid!);
    const burstFrom = seq;
    // The API runs in the bench process unless it is a child: count that process once.
    const { bench: benchPid, ...servers } = stack.pids;
    const burstCpu = new CpuMeter(servers.api === benchPid ? servers : { ...servers, bench: benchPid });
    const burstStart = performance.now();
    await withConcurrency(burst, concurrency, () => emit());
    const burstIds = idsBetween(burstFrom, seq);
    progress(`burst emitted ${burstIds.length} in ${fmt((performance.now() - burstStart) / 1000)} s; waiting for deliveries`);
    await waitFor(() => burstIds.every((id) => receiver.firstSeen.has(id)), 30 * 60_000);
    const lastReceived = Math.max(...burstIds.map((id) => receiver.firstSeen.get(id) ?? 0));
    const burstElapsed = (lastReceived - burstStart) / 1000;
    const burstRss = rss.between(burstStart, performance.now());
    // CPU per delivery of each process over the burst (where a missed target comes from).
    const burstCpuShare = burstCpu.read();
    const burstCpuMs = Object.fromEntries(Object.entries(burstCpuShare).map(([name, pct]) => [name, (pct / 100) * ((performance.now() - burstStart) / burstIds.length)]));
    const burstLoss = lostAndDup(burstIds);

    // 4. Temporal history per 1,000 successful deliveries (steady + burst; nothing failed yet).
    progress('counting Temporal history events of the webhook workflows the run started');
    const succeeded = [...steadyIds, ...burstIds].filter((id) => receiver.firstSeen.has(id)).length;
    const history = await countHistoryEvents(stack.config, runStarted, webhookWorkflowKind).catch((err: unknown) => {
      progress(`could not count history events: ${String(err)}`);
      return undefined;
    });

    // 5. Outage: the receiver is down, the circuit opens, a backlog waits; then it is back and drains.
    let outage:
      | {
          events: number;
          emitSeconds: number;
          opened: boolean;
          settled: boolean;
          waiting: HealthPage['deliveries'];
          runningDelivery: number;
          runningAll: number;
          buildRss: { start: number; peak: number; end: number };
          drainRss: { peak: number; end: number };
          secondsToAll: number;
          /** Nothing waiting any more and the endpoint workflow ended (within 2 min of the last delivery). */
          closed: boolean;
          secondsToClosed: number;
          drainedBy: string;
          after: HealthPage | undefined;
          lost: number;
          duplicated: number;
          attemptsWhileDown: number;
        }
      | undefined;
    if (outageDeliveries > 0) {
      progress(`outage: receiver answers 503; emitting ${outageDeliveries} events at concurrency ${outageConcurrency}`);
      const outageFrom = seq;
      receiver.state.down = true;
      receiver.state.refused = 0;
      const downAt = performance.now();
      let emitted = 0;
      const ticker = setInterval(() => progress(`outage: ${emitted}/${outageDeliveries} emitted, worker RSS ${fmt(rss.last())} MiB`), 5000);
      try {
        await withConcurrency(outageDeliveries, outageConcurrency, async () => {
          await emit();
          emitted++;
        });
      } finally {
        clearInterval(ticker);
      }
      const emitSeconds = (performance.now() - downAt) / 1000;
      const outageIds = idsBetween(outageFrom, seq);
      progress(`outage: emitted ${outageIds.length} in ${fmt(emitSeconds)} s; waiting until nothing is queued or retrying`);
      // Settled: every delivery of the backlog waits in the database (none queued in a partition or retrying in a workflow).
      let last: HealthPage | undefined;
      const settled = await waitFor(
        async () => {
          last = await health();
          return last.circuit === 'open' && last.deliveries.queued === 0 && last.deliveries.retrying === 0;
        },
        Math.max(10 * 60_000, outageIds.length * 10),
        5000, // the health page counts by stage with full scans on FerretDB: not too often
      );
      const settledAt = performance.now();
      const [runningDelivery, runningAll] = await Promise.all([
        temporal.workflow.count(`ExecutionStatus = 'Running' AND WorkflowType = '${deliverWebhookWorkflow.name}'`).then((c) => c.count),
        temporal.workflow.count(`ExecutionStatus = 'Running'`).then((c) => c.count),
      ]);
      const buildRss = rss.between(downAt, settledAt);
      progress(`outage: circuit ${last?.circuit}, waiting ${last?.deliveries.waiting}, queued ${last?.deliveries.queued}, retrying ${last?.deliveries.retrying}; running delivery-* ${runningDelivery}, all running ${runningAll}; worker RSS peak ${fmt(buildRss.peak)} MiB`);

      progress(`outage: receiver back${probeNow ? '; signalling probeNow to the endpoint workflow' : '; waiting for the next scheduled probe'}`);
      receiver.state.down = false;
      const attemptsWhileDown = receiver.state.refused;
      const backAt = performance.now();
      let drainedBy = 'the next scheduled probe';
      if (probeNow) {
        try {
          await temporal.workflow.getHandle(workflowIds.endpoint(sub.id)).signal(probeNowSignal);
          drainedBy = 'probeNow signal (backoff skipped)';
        } catch (err) {
          drainedBy = `the next scheduled probe (probeNow failed: ${String(err)})`;
        }
      }
      const drainTicker = setInterval(() => progress(`drain: ${outageIds.filter((id) => receiver.firstSeen.has(id)).length}/${outageIds.length} received, worker RSS ${fmt(rss.last())} MiB`), 5000);
      try {
        await waitFor(() => outageIds.every((id) => receiver.firstSeen.has(id)), Math.max(30 * 60_000, outageIds.length * 50), 250);
      } finally {
        clearInterval(drainTicker);
      }
      const secondsToAll = (performance.now() - backAt) / 1000;
      // Every event arrived; the last page's outcomes are still being written. Nothing may stay waiting.
      let after: HealthPage | undefined;
      const closed = await waitFor(
        async () => {
          after = await health().catch(() => undefined);
          return after?.deliveries.waiting === 0 && after.probe === null;
        },
        120_000,
        1000,
      );
      const secondsToClosed = (performance.now() - backAt) / 1000;
      const drainRss = rss.between(backAt, performance.now() + 1);
      outage = { events: outageIds.length, emitSeconds, opened: last?.circuit === 'open', settled, waiting: last?.deliveries ?? { queued: NaN, retrying: NaN, waiting: NaN }, runningDelivery, runningAll, buildRss, drainRss, secondsToAll, closed, secondsToClosed, drainedBy, after, attemptsWhileDown, ...lostAndDup(outageIds) };
      const lost = outage.lost;
      if (lost > 0) {
        const db = mongoose.connection.db;
        const byState = db ? await db.collection('deliveries').aggregate([{ $match: { status: { $ne: 'succeeded' } } }, { $group: { _id: { status: '$status', stage: '$stage' }, n: { $sum: 1 } } }]).toArray() : [];
        progress(`outage: ${lost} not received; deliveries not succeeded by status/stage: ${JSON.stringify(byState)}`);
      }
    }
    rss.stop();

    const row = (label: string, events: number, perSecond: number, s: { p50: number; p95: number; p99: number; max: number } | null, loss: { lost: number; duplicated: number } | null) =>
      `${label.padEnd(22)}${String(events).padStart(6)}  ${fmt(perSecond).padStart(12)} ${[s?.p50, s?.p95, s?.p99, s?.max].map((v) => (v === undefined ? '-' : fmt(v)).padStart(8)).join(' ')} ${loss ? String(loss.lost).padStart(6) : '     -'} ${loss ? String(loss.duplicated).padStart(4) : '   -'}`;
    const lines = [
      '',
      `Webhook delivery benchmark (2-core machine, embedded stack; rate ${rate}/s for ${seconds} s, burst ${burst} at concurrency ${concurrency}, outage ${outageDeliveries} at concurrency ${outageConcurrency})`,
      '',
      'phase                 events  deliveries/s   p50 ms   p95 ms   p99 ms   max ms   lost  dup',
      row('baseline (plain POST)', baselineIds.length, baselineIds.length / baselineElapsed, baseline, null),
      row('steady via Signalbox', steadyIds.length, steadyIds.length / steadyElapsed, steady, steadyLoss),
      row('baseline burst (POST)', burst, baselineBurstRate, null, null),
      row('burst via Signalbox', burstIds.length, burstIds.length / burstElapsed, null, burstLoss),
      '',
      `latency ratio steady/baseline: p50 ${fmt(steady.p50 / baseline.p50)}x, p99 ${fmt(steady.p99 / baseline.p99)}x; burst deliveries/s ${fmt(burstIds.length / burstElapsed / baselineBurstRate, 3)}x the plain-POST burst`,
      `CPU ms per delivery over the burst: ${Object.entries(burstCpuMs).map(([name, ms]) => `${name} ${fmt(ms)}`).join(', ')} (api: the API process, which here also runs the load generator and the receiver); % of a core: ${Object.entries(burstCpuShare).map(([name, pct]) => `${name} ${fmt(pct)}`).join(', ')}`,
      `worker RSS MiB: idle before any delivery ${fmt(workerIdleRss)}; over the burst start ${fmt(burstRss.start)}, peak ${fmt(burstRss.peak)}, end ${fmt(burstRss.end)} (plain POST: no worker)`,
    ];
    if (history) {
      const total = [...history.byGroup.values()].reduce((acc, v) => acc + v.events, 0);
      const per1000 = (n: number) => fmt((n / Math.max(1, succeeded)) * 1000, 0);
      const kinds = ['webhook-dispatch-*', 'delivery-*', 'endpoint-*'].map((k) => {
        const v = history.byGroup.get(k) ?? { runs: 0, events: 0 };
        return `${k} ${v.runs} runs / ${v.events} events (${per1000(v.events)} per 1,000)`;
      });
      lines.push(
        '',
        `Temporal history, steady + burst: ${succeeded} successful deliveries; ${total} history events → ${per1000(total)} per 1,000 successful deliveries (plain POST baseline: 0)`,
        `  by kind: ${kinds.join('; ')} (counted in ${fmt(history.seconds)} s, continued-as-new runs included)`,
      );
    } else lines.push('', 'Temporal history: could not be counted (see stderr)');
    if (outage) {
      const o = outage;
      const plainSeconds = o.events / baselineBurstRate;
      lines.push(
        '',
        `outage (receiver answers 503): ${o.events} events emitted in ${fmt(o.emitSeconds)} s (${fmt(o.events / o.emitSeconds)}/s); circuit ${o.opened ? 'open' : 'NOT open'}${o.settled ? '' : ' (the backlog did not settle: something still queued or retrying)'}`,
        `  backlog: waiting ${o.waiting.waiting}, queued ${o.waiting.queued}, retrying ${o.waiting.retrying} (GET /webhooks/:id/health); open workflows: ${o.runningDelivery} delivery-*, ${o.runningAll} in all; ${o.attemptsWhileDown} requests reached the receiver while it was down`,
        `  worker RSS MiB while the backlog built: start ${fmt(o.buildRss.start)}, peak ${fmt(o.buildRss.peak)}, end ${fmt(o.buildRss.end)}; while it drained: peak ${fmt(o.drainRss.peak)}, end ${fmt(o.drainRss.end)} (idle ${fmt(workerIdleRss)}; plain POST: no worker)`,
        `  recovery via ${o.drainedBy}: all ${o.events} received ${fmt(o.secondsToAll)} s after the receiver came back (${fmt(o.events / o.secondsToAll)} deliveries/s; plain POST at the baseline burst rate: ${fmt(plainSeconds)} s); lost ${o.lost}, duplicated ${o.duplicated}`,
        `  after: circuit ${o.after?.circuit ?? 'n/a'}, waiting ${o.after?.deliveries.waiting ?? 'n/a'}, queued ${o.after?.deliveries.queued ?? 'n/a'}, retrying ${o.after?.deliveries.retrying ?? 'n/a'}; endpoint workflow ${o.after?.probe ? `still ${o.after.probe.status} (${o.after.probe.probes} probes, ${o.after.probe.drained} drained)` : 'ended'}${o.closed ? `, nothing waiting ${fmt(o.secondsToClosed)} s after the receiver came back` : ' — NOT settled 2 min after the last delivery arrived'}`,
      );
      const peak = Math.max(o.buildRss.peak, o.drainRss.peak);
      lines.push('', `target: worker RSS with one endpoint down and ${o.events} deliveries waiting ≤ ${RSS_TARGET_MIB} MiB: peak ${fmt(peak)} MiB → ${peak <= RSS_TARGET_MIB ? 'PASS' : 'MISS'}${o.events < 50_000 ? ` (smaller run: ${o.events}, the target is for 50,000)` : ''}`);
    } else lines.push('', 'outage phase skipped (--outage-deliveries 0)');
    lines.push('');
    process.stdout.write(lines.join('\n'));
  } finally {
    receiver.close();
    await temporal.connection.close();
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
