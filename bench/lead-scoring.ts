/**
 * Lead-scoring benchmark (the person pipeline: identify → enrich → score):
 *   ./scripts/bench lead-scoring [--visitors 100] [--rate 50] [--seconds 20] [--identify-rate 20]
 *     [--http-rate 50] [--http-delay 20] [--drain-timeout 60] [--latency-timeout 60] [--log-dir DIR]
 *
 * One run, two embedded stacks started one after the other (FerretDB on SQLite + Temporal dev
 * server; worker and API each in their own process, as in bench/ingest.ts): PERSON_PIPELINE is
 * read at start-up, so the baseline has a stack of its own. In each stack's workspace the three
 * enrichment providers are enabled (PUT /api/v1/enrichment: email-domain, ip-network, and http
 * served by a local node server answering a small JSON after --http-delay ms) and a local receiver
 * is subscribed to `lead.scored` (POST /api/v1/webhooks). Phases, in run order:
 *   1. baseline — stack with PERSON_PIPELINE=false. --visitors visitors are identified (one identify
 *                 each, with a server-side `ip`), the bench waits until those are applied, then
 *                 page views over those visitors are sent open-loop at --rate/s for --seconds.
 *                 Applied/s = page views applied ÷ (last appliedAt − first send), read from the
 *                 processed log (`ingest_events`) as bench/ingest.ts does; p50/p95/p99 there are the
 *                 ingest → applied lag (appliedAt − receivedAt) of those page views.
 *   2. scoring  — the same load on a new stack with PERSON_PIPELINE=true: applied/s and its ratio to
 *                 the baseline (target ≥ 0.80×).
 *   3. latency  — on the scoring stack, a new workspace: --identify-rate new identifications per
 *                 second for --seconds; identify accepted (202 read) → first `lead.scored` for that
 *                 lead at the receiver, p50/p95/p99 (target p50 ≤ 1 s; one never received counts as
 *                 infinitely late).
 *   4. history  — once the HTTP provider has gone quiet, every `person-<workspace>-…` workflow run
 *                 of phases 2 and 3 (visibility list since the stack started; continued-as-new runs
 *                 are runs of their own) has its history fetched and counted: history events per
 *                 identified person. Person workflows keep running (decay timer), so this is the
 *                 history so far.
 * --http-rate sets ENRICH_RATE_HTTP (production default 5/s: at --identify-rate 20 the HTTP queue
 * would fall behind by design, which delays enrichment, not the first score).
 * Progress goes to stderr, the report to stdout; logs of each stack to --log-dir
 * (default /tmp/signalbox-bench-lead-scoring-<time>/{baseline,scoring}). The exit code is 0
 * whatever the figures. About 2½ minutes with the defaults.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { leadIdFor, visitorIdFor } from '../core/visitors/visitor-ids';
import { startBenchStack, type BenchStack } from './lib/bench-stack';
import { CpuMeter, failuresText, openLoop, type Target } from './lib/load';
import { acceptedIds, createWorkspace, type Workspace } from './lib/ingest-lag';
import { fmt, summarize } from './lib/stats';
import { api, cpuText, identifyBody, listen, ms, throughputPhase, type ThroughputFigures } from './lib/person-load';
import { countHistoryEvents } from './lib/temporal-history';

const HELP = `Lead-scoring benchmark: the person pipeline (identify → enrich → score) against PERSON_PIPELINE=false.

  ./scripts/bench lead-scoring [options]

  --visitors N         identified visitors the page views go to (default 100)
  --rate N             page views per second in phases 1 and 2 (default 50)
  --seconds N          length of each load phase (default 20)
  --identify-rate N    new identifications per second in phase 3 (default 20)
  --http-rate N        ENRICH_RATE_HTTP for the run, calls/s to the HTTP provider (default 50)
  --http-delay N       the local HTTP provider answers after N ms (default 20)
  --drain-timeout N    wait at most N s for accepted events to be applied (default 60)
  --latency-timeout N  wait at most N s after phase 3 for the last lead.scored (default 60)
  --log-dir DIR        stack logs (default /tmp/signalbox-bench-lead-scoring-<time>)
  --help               this text

Targets: scoring applied/s ≥ 0.80× baseline; identify → first lead.scored p50 ≤ 1 s.`;

const { values: opts } = parseArgs({
  options: {
    visitors: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    'identify-rate': { type: 'string', default: '20' },
    'http-rate': { type: 'string', default: '50' },
    'http-delay': { type: 'string', default: '20' },
    'drain-timeout': { type: 'string', default: '60' },
    'latency-timeout': { type: 'string', default: '60' },
    'log-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const visitors = Number(opts.visitors);
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const identifyRate = Number(opts['identify-rate']);
const httpRate = Number(opts['http-rate']);
const httpDelay = Number(opts['http-delay']);
const drainTimeout = Number(opts['drain-timeout']);
const latencyTimeout = Number(opts['latency-timeout']);
for (const [name, v] of Object.entries({ visitors, rate, seconds, identifyRate, httpRate, httpDelay, drainTimeout, latencyTimeout })) {
  if (!Number.isFinite(v) || v < 0 || (name !== 'httpDelay' && v === 0)) throw new Error(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive number`);
}
const logDir = opts['log-dir'] ?? `/tmp/signalbox-bench-lead-scoring-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const APPLIED_RATIO_TARGET = 0.8;
const LATENCY_P50_TARGET_MS = 1000;

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const load = { visitors, rate, seconds, drainTimeout, progress };

// ---- local servers: the HTTP enrichment provider and the webhook receiver ------------------------

const PROVIDER_ANSWER = JSON.stringify({ person: { title: 'Head of Growth' }, company: { industry: 'Software Development', employees: 120, linkedin: 'https://www.linkedin.com/company/northwind' } });

/** Answers every call with a small JSON after `delayMs`; counts calls and remembers the last one's time. */
async function startProvider(delayMs: number) {
  const state = { calls: 0, lastAt: 0 };
  const server = await listen((_req, _body, res) => {
    state.calls++;
    state.lastAt = performance.now();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(PROVIDER_ANSWER), delayMs);
  });
  return { ...server, state };
}

/** Records when the first `lead.scored` of each lead arrived (performance.now()), and how many came. */
async function startReceiver() {
  const firstScored = new Map<string, number>();
  const state = { scored: 0, other: 0 };
  const server = await listen((_req, body, res) => {
    const at = performance.now();
    try {
      const event = JSON.parse(body) as { type?: string; data?: { lead_id?: string } };
      if (event.type === 'lead.scored' && event.data?.lead_id) {
        state.scored++;
        if (!firstScored.has(event.data.lead_id)) firstScored.set(event.data.lead_id, at);
      } else state.other++;
    } catch {
      state.other++;
    }
    res.writeHead(200).end();
  });
  return { ...server, firstScored, state };
}

// ---- workspace set-up ----------------------------------------------------------------------------

/** A workspace with the three providers enabled and the receiver subscribed to lead.scored. */
async function scoringWorkspace(stack: BenchStack, name: string, providerUrl: string, receiverUrl: string): Promise<Workspace> {
  const ws = await createWorkspace(stack, name);
  await api(
    stack,
    ws,
    'PUT',
    '/enrichment',
    {
      providers: {
        'email-domain': { enabled: true },
        'ip-network': { enabled: true },
        http: {
          enabled: true,
          url: `${providerUrl}/enrich`,
          auth_header: { name: 'authorization', value: 'Bearer bench-provider-token' },
          mapping: { 'person_details.job_title': 'person.title', 'company_details.industry': 'company.industry', 'company_details.employee_range': 'company.employees', 'company_details.linkedin': 'company.linkedin' },
          timeout_ms: 2000,
        },
      },
      cache_ttl_hours: 24,
    },
    200,
  );
  await api(stack, ws, 'POST', '/webhooks', { url: `${receiverUrl}/hook`, events: ['lead.scored'] }, 201);
  return ws;
}

// ---- payloads ------------------------------------------------------------------------------------

// ---- phases --------------------------------------------------------------------------------------

interface LatencyFigures {
  sent: number;
  accepted: number;
  received: number;
  perSecond: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  failures: string;
  cpu: Record<string, number>;
}

/** New identifications at --identify-rate for --seconds: identify accepted → first lead.scored. */
async function latencyPhase(stack: BenchStack, ws: Workspace, receiver: Awaited<ReturnType<typeof startReceiver>>): Promise<LatencyFigures> {
  const target: Target = { origin: stack.api.url, path: '/api/v1/ingest', headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' } };
  progress(`latency: ${identifyRate} new identifications/s for ${seconds} s`);
  const acceptedAt = new Map<string, number>();
  const cpu = new CpuMeter(stack.pids);
  const started = performance.now();
  const sent = await openLoop(target, {
    rate: identifyRate,
    seconds,
    body: (k) => identifyBody(`bench-new-${k}`, 10_000 + k),
    onResponse: (k, _s, body) => {
      if (acceptedIds(body).length) acceptedAt.set(leadIdFor(visitorIdFor(ws.id, `fp:bench-new-${k}`)), performance.now());
    },
  });
  const perSecond = sent.ok / ((performance.now() - started) / 1000);
  progress(`latency: ${acceptedAt.size} accepted; waiting (at most ${latencyTimeout} s) for their first lead.scored`);
  const deadline = performance.now() + latencyTimeout * 1000;
  while ([...acceptedAt.keys()].some((id) => !receiver.firstScored.has(id)) && performance.now() < deadline) await sleep(250);
  const used = cpu.read();
  const latencies = [...acceptedAt].map(([leadId, at]) => (receiver.firstScored.has(leadId) ? receiver.firstScored.get(leadId)! - at : Infinity));
  const figures: LatencyFigures = {
    sent: Math.round(identifyRate * seconds),
    accepted: acceptedAt.size,
    received: latencies.filter(Number.isFinite).length,
    perSecond,
    latency: summarize(latencies),
    failures: failuresText(sent),
    cpu: used,
  };
  progress(`latency: ${figures.received}/${figures.accepted} scored; p50 ${ms(figures.latency.p50)} p95 ${ms(figures.latency.p95)} p99 ${ms(figures.latency.p99)} ms; CPU ${cpuText(used)}`);
  return figures;
}

/** Waits until the HTTP provider has had no call for `quietMs` (at most `timeoutS`), so enrichment has settled. */
async function providerQuiet(state: { lastAt: number }, quietMs: number, timeoutS: number): Promise<boolean> {
  const deadline = performance.now() + timeoutS * 1000;
  while (performance.now() < deadline) {
    if (performance.now() - state.lastAt >= quietMs) return true;
    await sleep(250);
  }
  return false;
}

// ---- main ----------------------------------------------------------------------------------------

interface Results {
  baseline?: ThroughputFigures;
  scoring?: ThroughputFigures;
  latency?: LatencyFigures;
  history?: { scoring: { runs: number; events: number }; latency: { runs: number; events: number }; seconds: number; settled: boolean };
  providerCalls?: number;
  scoredWebhooks?: number;
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  progress(`logs in ${logDir}`);
  const provider = await startProvider(httpDelay);
  const receiver = await startReceiver();
  const env = { INGEST_RATE_LIMIT_PER_MINUTE: '10000000', ENRICH_RATE_HTTP: String(httpRate) };
  const results: Results = {};
  try {
    // 1. Baseline: the person pipeline off.
    progress('baseline: starting a stack with PERSON_PIPELINE=false');
    const off = await startBenchStack({ ...env, PERSON_PIPELINE: 'false' }, { api: 'child', logDir: join(logDir, 'baseline') });
    try {
      const ws = await scoringWorkspace(off, 'Bench lead scoring (off)', provider.url, receiver.url);
      results.baseline = await throughputPhase(off, ws, 'baseline', load);
    } finally {
      progress('baseline: stopping the stack');
      await off.stop();
    }
    const callsWhileOff = provider.state.calls;
    const scoredWhileOff = receiver.state.scored;

    // 2–4 on a stack with the pipeline on.
    progress('scoring: starting a stack with PERSON_PIPELINE=true');
    const stackStarted = new Date();
    const on = await startBenchStack({ ...env, PERSON_PIPELINE: 'true' }, { api: 'child', logDir: join(logDir, 'scoring') });
    try {
      const scoringWs = await scoringWorkspace(on, 'Bench lead scoring (on)', provider.url, receiver.url);
      results.scoring = await throughputPhase(on, scoringWs, 'scoring', load);
      const latencyWs = await scoringWorkspace(on, 'Bench lead scoring (latency)', provider.url, receiver.url);
      results.latency = await latencyPhase(on, latencyWs, receiver);

      progress('history: waiting until the HTTP provider is quiet (enrichment settled)');
      const settled = await providerQuiet(provider.state, 3000, 60);
      await sleep(1000); // the last answers' re-scores
      progress('history: counting the person workflows’ history events');
      const groupOf = ({ workflowId }: { workflowId: string }) =>
        workflowId.startsWith(`person-${scoringWs.id}-`) ? 'scoring' : workflowId.startsWith(`person-${latencyWs.id}-`) ? 'latency' : null;
      const counted = await countHistoryEvents(on.config, stackStarted, groupOf).catch((err: unknown) => {
        progress(`could not count history events: ${String(err)}`);
        return undefined;
      });
      if (counted) {
        const none = { runs: 0, events: 0 };
        results.history = { scoring: counted.byGroup.get('scoring') ?? none, latency: counted.byGroup.get('latency') ?? none, seconds: counted.seconds, settled };
      }
      results.providerCalls = provider.state.calls - callsWhileOff;
      results.scoredWebhooks = receiver.state.scored - scoredWhileOff;
    } finally {
      progress('stopping the stack');
      await on.stop();
    }
    printReport(results, { callsWhileOff, scoredWhileOff });
  } finally {
    provider.close();
    receiver.close();
  }
}

function printReport(r: Results, off: { callsWhileOff: number; scoredWhileOff: number }): void {
  const widths = [30, 10, 8, 9, 9, 9, 11, 20, 7];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const perPerson = (h?: { runs: number; events: number }, persons?: number) => (h && persons ? fmt(h.events / persons, 1) : 'n/a');
  const lines: string[] = [
    '',
    `Lead-scoring benchmark (embedded stacks: FerretDB/SQLite + Temporal dev server; API and worker in their own processes)`,
    `${visitors} identified visitors, page views at ${rate}/s for ${seconds} s; ${identifyRate} identifications/s for ${seconds} s; providers email-domain, ip-network, http (local, ${httpDelay} ms; ENRICH_RATE_HTTP=${httpRate})`,
    '',
    row(['phase', 'per s', 'ratio', 'p50 ms', 'p95 ms', 'p99 ms', 'hist/person', 'target', 'result']),
  ];
  const b = r.baseline;
  const s = r.scoring;
  const l = r.latency;
  const h = r.history;
  if (b) lines.push(row(['1 baseline (pipeline off)', fmt(b.appliedPerSecond), '1.00×', ms(b.lag.p50), ms(b.lag.p95), ms(b.lag.p99), '-', 'reference', '-']));
  const ratio = b && s ? s.appliedPerSecond / b.appliedPerSecond : NaN;
  if (s) lines.push(row(['2 scoring (pipeline on)', fmt(s.appliedPerSecond), `${fmt(ratio, 2)}×`, ms(s.lag.p50), ms(s.lag.p95), ms(s.lag.p99), perPerson(h?.scoring, s.identified), `≥ ${APPLIED_RATIO_TARGET.toFixed(2)}× baseline`, pass(ratio >= APPLIED_RATIO_TARGET)]));
  if (l) lines.push(row(['3 latency identify→lead.scored', fmt(l.perSecond), '-', ms(l.latency.p50), ms(l.latency.p95), ms(l.latency.p99), perPerson(h?.latency, l.accepted), `p50 ≤ ${LATENCY_P50_TARGET_MS} ms`, pass(l.latency.p50 <= LATENCY_P50_TARGET_MS)]));
  if (h && s && l) {
    const events = h.scoring.events + h.latency.events;
    lines.push(row(['4 history (phases 2 + 3)', '-', '-', '-', '-', '-', perPerson({ runs: h.scoring.runs + h.latency.runs, events }, s.identified + l.accepted), 'informational', '-']));
  }
  lines.push(
    '',
    '  per s: page views applied/s (phases 1–2; applied ÷ (last appliedAt − first send)), identifications accepted/s (phase 3)',
    '  p50/p95/p99: ingest → applied lag of the page views (phases 1–2), identify accepted → first lead.scored received (phase 3)',
  );
  for (const [name, f] of [['baseline', b], ['scoring', s]] as const) {
    if (f) lines.push(`  ${name.padEnd(9)} ${f.identified} identified; ${f.applied}/${f.accepted} page views applied (${f.sent} sent; failures: ${f.failures}); max lag ${ms(f.lag.max)} ms; CPU (% of a core) ${cpuText(f.cpu)}`);
  }
  if (l) lines.push(`  latency   ${l.received}/${l.accepted} identifications got a lead.scored (${l.sent} sent; failures: ${l.failures}); max ${ms(l.latency.max)} ms (never: not received within --latency-timeout ${latencyTimeout} s); CPU (% of a core) ${cpuText(l.cpu)}`);
  if (h) {
    lines.push(
      `  history   scoring: ${h.scoring.runs} person runs / ${h.scoring.events} events for ${s?.identified ?? 'n/a'} persons; latency: ${h.latency.runs} runs / ${h.latency.events} events for ${l?.accepted ?? 'n/a'} persons (counted in ${fmt(h.seconds)} s, continued-as-new runs included; running workflows: history so far)${h.settled ? '' : ' — the HTTP provider was still being called when counted'}`,
    );
  } else lines.push('  history   could not be counted (see stderr)');
  lines.push(`  pipeline on: ${r.providerCalls ?? 'n/a'} HTTP provider calls, ${r.scoredWebhooks ?? 'n/a'} lead.scored webhooks received; pipeline off: ${off.callsWhileOff} provider calls, ${off.scoredWhileOff} lead.scored (expected 0, 0)`);
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
