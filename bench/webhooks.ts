/**
 * Webhook delivery benchmark: ./scripts/bench webhooks [--rate 50] [--seconds 60] [--burst 10000]
 *   [--concurrency 16] [--outage-seconds 600] [--outage-rate 5]
 *
 * Phases, all in one run on the embedded stack (FerretDB + Temporal dev server, worker in its
 * own process):
 *   1. baseline  — plain HTTP POSTs from Node to the receiver at --rate for --seconds;
 *   2. steady    — events emitted through the API at --rate for --seconds: event→received latency;
 *   3. burst     — --burst events as fast as --concurrency allows: deliveries/s and worker RSS;
 *   4. outage    — the receiver answers 503 for --outage-seconds while events keep coming, then
 *                  recovers; POST /webhooks/:id/recover re-delivers; every event must arrive.
 * Counts lost (never received) and duplicated (received more than once) event ids.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { eventSamples } from '../core/events/event-samples';
import { startBenchStack } from './lib/bench-stack';
import { atSteadyRate, fmt, rssMiB, summarize, withConcurrency } from './lib/stats';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    burst: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'outage-seconds': { type: 'string', default: '600' },
    'outage-rate': { type: 'string', default: '5' },
  },
});
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const burst = Number(opts.burst);
const concurrency = Number(opts.concurrency);
const outageSeconds = Number(opts['outage-seconds']);
const outageRate = Number(opts['outage-rate']);

/** The receiver: records when each webhook-id first arrived and how often. */
function startReceiver() {
  const firstSeen = new Map<string, number>();
  const counts = new Map<string, number>();
  const state = { down: false };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.down) return void res.writeHead(503).end();
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

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return done();
}

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

async function main() {
  const receiver = await startReceiver();
  const stack = await startBenchStack();
  const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
  try {
    const created: any = await (await fetch(`${stack.api.url}/admin/v1/workspaces`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench', rateLimits: { perMinute: 1e7, perDay: 1e9 } }) })).json();
    const workspaceId: string = created.workspace.id;
    const secretKey: string = created.keys.find((k: { kind: string }) => k.kind === 'secret').key;
    const sub: any = await (
      await fetch(`${stack.api.url}/api/v1/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: receiver.url, events: ['lead.created'] }) })
    ).json();

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
    // 1. Baseline: plain POSTs of the same kind of body to the same receiver.
    const baselineIds: string[] = [];
    const sample = JSON.stringify({ id: 'x', type: 'lead.created', createdAt: new Date().toISOString(), data: eventSamples['lead.created'] });
    const baselineStart = performance.now();
    await atSteadyRate(rate, rate * seconds, async (i) => {
      const id = `baseline_${i}`;
      baselineIds.push(id);
      sentAt.set(id, performance.now());
      await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bench-id': id }, body: sample });
    });
    const baselineElapsed = (performance.now() - baselineStart) / 1000;
    const baseline = summarize(latencies(baselineIds));

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
    const rss: number[] = [rssMiB(stack.worker.pid!)];
    const sampler = setInterval(() => rss.push(rssMiB(stack.worker.pid!)), 1000);
    const burstFrom = seq;
    const burstStart = performance.now();
    await withConcurrency(burst, concurrency, () => emit());
    const burstIds = idsBetween(burstFrom, seq);
    progress(`burst emitted ${burstIds.length}; waiting for deliveries`);
    await waitFor(() => burstIds.every((id) => receiver.firstSeen.has(id)), 30 * 60_000);
    const lastReceived = Math.max(...burstIds.map((id) => receiver.firstSeen.get(id) ?? 0));
    const burstElapsed = (lastReceived - burstStart) / 1000;
    clearInterval(sampler);
    rss.push(rssMiB(stack.worker.pid!));
    const burstLoss = lostAndDup(burstIds);
    const tenth = Math.max(1, Math.floor(rss.length / 10));
    const rssFirstTenth = Math.max(...rss.slice(0, tenth));
    const rssLastTenth = Math.max(...rss.slice(-tenth));

    // 4. Outage: the receiver is down, events keep coming; then it is back and we recover.
    let outage: { events: number; recovered: number; secondsToAll: number; lost: number; duplicated: number } | undefined;
    if (outageSeconds > 0) {
      progress('outage');
      const outageFrom = seq;
      const phaseStart = new Date();
      receiver.state.down = true;
      await atSteadyRate(outageRate, Math.max(1, Math.round(outageRate * outageSeconds)), () => emit());
      receiver.state.down = false;
      const backAt = performance.now();
      const headers = { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' };
      const started: any = await (await fetch(`${stack.api.url}/api/v1/webhooks/${sub.id}/recover`, { method: 'POST', headers, body: JSON.stringify({ since: phaseStart.toISOString() }) })).json();
      const outageIds = idsBetween(outageFrom, seq);
      await waitFor(() => outageIds.every((id) => receiver.firstSeen.has(id)), 10 * 60_000);
      const secondsToAll = (performance.now() - backAt) / 1000;
      const recoveryNow = async (): Promise<any> => (await fetch(`${stack.api.url}${started.progressUrl}`, { headers })).json();
      let recovery = await recoveryNow();
      while (recovery.status === 'running') recovery = await sleep(250).then(recoveryNow);
      outage = { events: outageIds.length, recovered: recovery.recovered, secondsToAll, ...lostAndDup(outageIds) };
    }

    const lines = [
      '',
      `Webhook delivery benchmark (2-core machine, embedded stack; rate ${rate}/s for ${seconds} s, burst ${burst} at concurrency ${concurrency})`,
      '',
      'phase                 events  deliveries/s   p50 ms   p95 ms   p99 ms   max ms   lost  dup',
      `baseline (plain POST) ${String(baselineIds.length).padStart(6)}  ${fmt(baselineIds.length / baselineElapsed).padStart(12)} ${fmt(baseline.p50).padStart(8)} ${fmt(baseline.p95).padStart(8)} ${fmt(baseline.p99).padStart(8)} ${fmt(baseline.max).padStart(8)}      -    -`,
      `steady via Signalbox  ${String(steadyIds.length).padStart(6)}  ${fmt(steadyIds.length / steadyElapsed).padStart(12)} ${fmt(steady.p50).padStart(8)} ${fmt(steady.p95).padStart(8)} ${fmt(steady.p99).padStart(8)} ${fmt(steady.max).padStart(8)} ${String(steadyLoss.lost).padStart(6)} ${String(steadyLoss.duplicated).padStart(4)}`,
      `burst via Signalbox   ${String(burstIds.length).padStart(6)}  ${fmt(burstIds.length / burstElapsed).padStart(12)}        -        -        -        - ${String(burstLoss.lost).padStart(6)} ${String(burstLoss.duplicated).padStart(4)}`,
      '',
      `latency ratio steady/baseline: p50 ${fmt(steady.p50 / baseline.p50)}x, p99 ${fmt(steady.p99 / baseline.p99)}x`,
      `worker RSS MiB over the burst: start ${fmt(rss[0])}, peak ${fmt(Math.max(...rss))}, end ${fmt(rss[rss.length - 1])} (max of first tenth ${fmt(rssFirstTenth)}, of last tenth ${fmt(rssLastTenth)})`,
      outage
        ? `outage ${outageSeconds} s at ${outageRate}/s: ${outage.events} events, ${outage.recovered} re-delivered by recover, all received ${fmt(outage.secondsToAll)} s after the receiver came back; lost ${outage.lost}, duplicated ${outage.duplicated}`
        : 'outage phase skipped (--outage-seconds 0)',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    receiver.close();
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
