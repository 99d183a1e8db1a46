/**
 * Segments benchmark:
 *   ./scripts/bench segments [--visitors 100] [--rate 50] [--seconds 20] [--anon-visitors 1000] [--anon-rate 150]
 *     [--qualify-people 50] [--qualify-rate 5] [--backfill 100000] [--drain-timeout 60] [--log-dir DIR]
 *     [--phases throughput,anonymous,qualify,backfill]
 *
 * One embedded stack (FerretDB on SQLite + Temporal dev server; worker and API each in their own
 * process, as in bench/ingest.ts). Segments are evaluated by the person pipeline of identified
 * people, and in the ingest batch for anonymous visitors, so both loads are measured. Phases, in
 * run order:
 *   1. baseline   — a workspace with no segment: --visitors people identified, then page views over
 *                   them open-loop at --rate/s for --seconds; applied/s = applied ÷ (last appliedAt −
 *                   first send), from the processed log (`ingest_events`).
 *   2. segments   — the same in a workspace with 20 segments of mixed rules (attributes, URL windows,
 *                   custom events, lead score and grade, sessions, tags): applied/s and its ratio to 1
 *                   (target ≥ 0.80×).
 *   2a/2b. anonymous — the same pair of workspaces' worth, with page views of --anon-visitors anonymous
 *                   visitors at --anon-rate/s (nobody identified): applied/s with no segment, then with
 *                   the 20 segments, and the ratio (target ≥ 0.80×).
 *   3. qualify    — a workspace with one segment ("did demo_requested in the last 7 days") and a local
 *                   receiver subscribed to person.segment_qualified: --qualify-people people identified
 *                   and left to settle, then one `demo_requested` event each at --qualify-rate/s; event
 *                   accepted → its person.segment_qualified received, p50/p95/p99 (target p50 ≤ 500 ms).
 *   4. backfill   — --backfill identified people written straight into a new workspace (bulk
 *                   inserts), then a segment over their attributes is created: its backfill's progress
 *                   (GET /segments/:id) is printed each second, and the time from create to completed
 *                   (target ≤ 60 s for 100,000) with the members it found (checked against the expected count).
 * Progress goes to stderr, the report to stdout; logs to --log-dir (default
 * /tmp/signalbox-bench-segments-<time>). The exit code is 0 whatever the figures. About 3 minutes.
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { visitorIdFor } from '../core/visitors/visitor-ids';
import { seedPeople } from '../test/support/seed-people';
import { startBenchStack, type BenchStack } from './lib/bench-stack';
import { CpuMeter, failuresText, openLoop, type Target } from './lib/load';
import { acceptedIds, createWorkspace, waitApplied, type Workspace } from './lib/ingest-lag';
import { api, cpuText, identifyBody, listen, ms, throughputPhase, type ThroughputFigures } from './lib/person-load';
import { fmt, summarize } from './lib/stats';

const HELP = `Segments benchmark: 20 segments' cost on applied page views, qualification → webhook latency, a backfill of --backfill people.
  --visitors N         identified people whose page views are sent in phases 1–2 (default 100)
  --rate N             page views per second in phases 1–2 (default 50)
  --seconds N          length of each load phase (default 20)
  --anon-visitors N    anonymous visitors whose page views are sent in phase 2a/2b (default 1000)
  --anon-rate N        page views per second in phase 2a/2b (default 150)
  --qualify-people N   people who each do the qualifying event once in phase 3 (default 50)
  --qualify-rate N     qualifying events per second in phase 3 (default 5)
  --backfill N         people written for the backfill in phase 4 (default 100000)
  --drain-timeout N    wait at most N s for events to be applied (default 60)
  --phases LIST        which phases run (default throughput,anonymous,qualify,backfill)
  --log-dir DIR        logs of FerretDB, Temporal, worker and API`;

const { values: opts } = parseArgs({
  options: {
    visitors: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    'anon-visitors': { type: 'string', default: '1000' },
    'anon-rate': { type: 'string', default: '150' },
    'qualify-people': { type: 'string', default: '50' },
    'qualify-rate': { type: 'string', default: '5' },
    backfill: { type: 'string', default: '100000' },
    'drain-timeout': { type: 'string', default: '60' },
    phases: { type: 'string', default: 'throughput,anonymous,qualify,backfill' },
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
const qualifyPeople = Number(opts['qualify-people']);
const qualifyRate = Number(opts['qualify-rate']);
const backfillPeople = Number(opts.backfill);
const drainTimeout = Number(opts['drain-timeout']);
const phases = new Set(opts.phases.split(',').map((p) => p.trim()));
const logDir = opts['log-dir'] ?? `/tmp/signalbox-bench-segments-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const RATIO_TARGET = 0.8;
const QUALIFY_P50_TARGET_MS = 500;
const BACKFILL_TARGET_S = 60;
const BACKFILL_TARGET_PEOPLE = 100_000;

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const load = { visitors, rate, seconds, drainTimeout, progress };
const anonymousLoad = { anonymous: true, visitors: Number(opts['anon-visitors']), rate: Number(opts['anon-rate']), seconds, drainTimeout, progress };

/** 20 segments of mixed rules: what a workspace might define. */
const TWENTY_SEGMENTS: Array<{ name: string; rules: unknown }> = [
  { name: 'Pro plan', rules: { all: [{ attribute: 'plan', op: 'eq', value: 'pro' }] } },
  { name: 'Big teams', rules: { all: [{ attribute: 'seats', op: 'gte', value: 50 }] } },
  { name: 'Leads by title', rules: { all: [{ field: 'person.job_title', op: 'contains', value: 'head' }] } },
  { name: 'Has a plan', rules: { all: [{ attribute: 'plan', op: 'exists' }] } },
  { name: 'VIP', rules: { any: [{ tag: 'vip' }, { attribute: 'tier', op: 'in', value: ['gold', 'platinum'] }] } },
  { name: 'Pricing twice this week', rules: { all: [{ visited: '/pricing*', at_least: 2, within_days: 7 }] } },
  { name: 'Docs readers', rules: { all: [{ visited: '/docs/**', at_least: 3, within_days: 1 }] } },
  { name: 'Blog readers', rules: { all: [{ visited: '/blog/**', at_least: 1, within_days: 30 }] } },
  { name: 'Features and pricing', rules: { all: [{ visited: '/features*', at_least: 1, within_days: 14 }, { visited: '/pricing*', at_least: 1, within_days: 14 }] } },
  { name: 'Customers page', rules: { all: [{ visited: '/customers*', at_least: 1, within_days: 7 }] } },
  { name: 'Demo requested', rules: { all: [{ event: 'demo_requested', at_least: 1, within_days: 7 }] } },
  { name: 'Signed up', rules: { all: [{ event: 'signup', at_least: 1, within_days: 30 }] } },
  { name: 'Invited a teammate', rules: { all: [{ event: 'invite_sent', at_least: 2, within_days: 14 }] } },
  { name: 'Trial active', rules: { any: [{ event: 'trial_started', at_least: 1, within_days: 14 }, { attribute: 'trial', op: 'eq', value: true }] } },
  { name: 'Exported data', rules: { all: [{ event: 'export', at_least: 1, within_days: 3 }] } },
  { name: 'Score 30+', rules: { all: [{ field: 'lead.score', op: 'gte', value: 30 }] } },
  { name: 'Score 60+', rules: { all: [{ field: 'lead.score', op: 'gte', value: 60 }] } },
  { name: 'Hot leads', rules: { all: [{ field: 'lead.grade', op: 'eq', value: 'hot' }] } },
  { name: 'Warm or hot, seen lately', rules: { all: [{ field: 'lead.grade', op: 'in', value: ['warm', 'hot'] }, { last_seen_within_days: 3 }] } },
  { name: 'Engaged', rules: { all: [{ sessions_at_least: 2, within_days: 7 }, { any: [{ visited: '/pricing*', at_least: 1, within_days: 7 }, { field: 'lead.score', op: 'gte', value: 40 }] }] } },
];

interface QualifyFigures {
  accepted: number;
  received: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  failures: string;
  cpu: Record<string, number>;
}

interface BackfillFigures {
  people: number;
  seedSeconds: number;
  seconds: number;
  processed: number;
  qualified: number;
  expected: number;
  status: string;
  cpu: Record<string, number>;
}

/** Records when each visitor's first person.segment_qualified arrived (performance.now()). */
async function startReceiver() {
  const firstQualified = new Map<string, number>();
  const server = await listen((_req, body, res) => {
    const at = performance.now();
    try {
      const event = JSON.parse(body) as { type?: string; data?: { visitor_id?: string } };
      if (event.type === 'person.segment_qualified' && event.data?.visitor_id && !firstQualified.has(event.data.visitor_id)) firstQualified.set(event.data.visitor_id, at);
    } catch {
      // not ours
    }
    res.writeHead(200).end();
  });
  return { ...server, firstQualified };
}

async function getJson(stack: BenchStack, ws: Workspace, path: string): Promise<any> {
  const res = await fetch(`${stack.api.url}/api/v1${path}`, { headers: { authorization: `Bearer ${ws.secretKey}` } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function postJson(stack: BenchStack, ws: Workspace, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${stack.api.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function qualifyPhase(stack: BenchStack): Promise<QualifyFigures> {
  const receiver = await startReceiver();
  try {
    const ws = await createWorkspace(stack, 'Bench segments (qualify)');
    await api(stack, ws, 'POST', '/webhooks', { url: `${receiver.url}/hook`, events: ['person.segment_qualified'] }, 201);
    await postJson(stack, ws, '/segments', { name: 'Demo requested this week', rules: { all: [{ event: 'demo_requested', at_least: 1, within_days: 7 }] } });
    const target: Target = { origin: stack.api.url, path: '/api/v1/ingest', headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' } };
    progress(`qualify: identifying ${qualifyPeople} people`);
    const identifyIds: string[] = [];
    await openLoop(target, { rate: Math.max(qualifyPeople, 1) / 2, seconds: 2, body: (k) => identifyBody(`bench-q-${k}`, 20_000 + k), onResponse: (_i, _s, body) => identifyIds.push(...acceptedIds(body)) });
    await waitApplied(identifyIds, drainTimeout);
    progress('qualify: letting their first scorings and enrichment settle (8 s)');
    await sleep(8_000);
    progress(`qualify: one demo_requested each at ${qualifyRate}/s`);
    const acceptedAt = new Map<string, number>();
    const cpu = new CpuMeter(stack.pids);
    const sent = await openLoop(target, {
      rate: qualifyRate,
      seconds: qualifyPeople / qualifyRate,
      body: (k) => JSON.stringify({ type: 'event', data: { visitor_fingerprint: `bench-q-${k}`, event_name: 'demo_requested', url: 'https://www.example.com/demo' } }),
      onResponse: (k, _s, body) => {
        if (acceptedIds(body).length) acceptedAt.set(visitorIdFor(ws.id, `fp:bench-q-${k}`), performance.now());
      },
    });
    const deadline = performance.now() + drainTimeout * 1000;
    while ([...acceptedAt.keys()].some((id) => !receiver.firstQualified.has(id)) && performance.now() < deadline) await sleep(100);
    const latencies = [...acceptedAt].map(([id, at]) => (receiver.firstQualified.has(id) ? receiver.firstQualified.get(id)! - at : Infinity));
    const figures = { accepted: acceptedAt.size, received: latencies.filter(Number.isFinite).length, latency: summarize(latencies), failures: failuresText(sent), cpu: cpu.read() };
    progress(`qualify: ${figures.received}/${figures.accepted} qualified; p50 ${ms(figures.latency.p50)} p99 ${ms(figures.latency.p99)} ms`);
    return figures;
  } finally {
    receiver.close();
  }
}

async function backfillPhase(stack: BenchStack): Promise<BackfillFigures> {
  const ws = await createWorkspace(stack, 'Bench segments (backfill)');
  progress(`backfill: writing ${backfillPeople} people`);
  const seedStarted = performance.now();
  const plans = ['free', 'pro', 'team'];
  await seedPeople({
    workspaceId: ws.id,
    count: backfillPeople,
    prefix: 'bench-bf',
    attributes: (i) => ({ plan: plans[i % 3], seats: i % 100 }),
    onProgress: (done) => done % 20_000 === 0 && progress(`backfill: ${done}/${backfillPeople} written`),
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const expected = Array.from({ length: backfillPeople }, (_, i) => i).filter((i) => plans[i % 3] === 'pro' && i % 100 >= 50).length;
  progress(`backfill: written in ${fmt(seedSeconds)} s; creating the segment`);
  const cpu = new CpuMeter(stack.pids);
  const started = performance.now();
  const segment = await postJson(stack, ws, '/segments', { name: 'Pro, 50+ seats', rules: { all: [{ attribute: 'plan', op: 'eq', value: 'pro' }, { attribute: 'seats', op: 'gte', value: 50 }] } });
  let backfill = segment.backfill;
  const deadline = started + 10 * 60_000;
  while (backfill.status !== 'completed' && performance.now() < deadline) {
    await sleep(1_000);
    backfill = (await getJson(stack, ws, `/segments/${segment.segment_id}`)).backfill;
    progress(`backfill: ${backfill.status} ${backfill.processed}/${backfill.total} evaluated, ${backfill.qualified} members (${fmt((performance.now() - started) / 1000)} s)`);
  }
  return { people: backfillPeople, seedSeconds, seconds: (performance.now() - started) / 1000, processed: backfill.processed, qualified: backfill.qualified, expected, status: backfill.status, cpu: cpu.read() };
}

interface Results {
  baseline?: ThroughputFigures;
  segments?: ThroughputFigures;
  anonBaseline?: ThroughputFigures;
  anonSegments?: ThroughputFigures;
  qualify?: QualifyFigures;
  backfill?: BackfillFigures;
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  progress(`logs in ${logDir}`);
  const stack = await startBenchStack({ INGEST_RATE_LIMIT_PER_MINUTE: '10000000' }, { api: 'child', logDir });
  const results: Results = {};
  try {
    if (phases.has('throughput')) {
      const plain = await createWorkspace(stack, 'Bench segments (none)');
      results.baseline = await throughputPhase(stack, plain, 'baseline', load);
      const segmented = await createWorkspace(stack, 'Bench segments (20)');
      for (const s of TWENTY_SEGMENTS) await postJson(stack, segmented, '/segments', s);
      results.segments = await throughputPhase(stack, segmented, 'segments', load);
    }
    if (phases.has('anonymous')) {
      const plain = await createWorkspace(stack, 'Bench segments (anonymous, none)');
      results.anonBaseline = await throughputPhase(stack, plain, 'anonymous, no segment', anonymousLoad);
      const segmented = await createWorkspace(stack, 'Bench segments (anonymous, 20)');
      for (const s of TWENTY_SEGMENTS) await postJson(stack, segmented, '/segments', s);
      results.anonSegments = await throughputPhase(stack, segmented, 'anonymous, 20 segments', anonymousLoad);
    }
    if (phases.has('qualify')) results.qualify = await qualifyPhase(stack);
    if (phases.has('backfill')) results.backfill = await backfillPhase(stack);
  } finally {
    progress('stopping the stack');
    await stack.stop();
  }
  printReport(results);
}

function printReport(r: Results): void {
  const widths = [34, 10, 8, 9, 9, 20, 7];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const lines = ['', 'Segments benchmark (embedded stack: FerretDB/SQLite + Temporal dev server; API and worker in their own processes)', '', row(['phase', 'per s', 'ratio', 'p50 ms', 'p99 ms', 'target', 'result'])];
  const { baseline: b, segments: s, qualify: q, backfill: f } = r;
  if (b) lines.push(row(['1 page views, no segment', fmt(b.appliedPerSecond), '1.00×', ms(b.lag.p50), ms(b.lag.p99), 'reference', '-']));
  const ratio = b && s ? s.appliedPerSecond / b.appliedPerSecond : NaN;
  if (s) lines.push(row(['2 page views, 20 segments', fmt(s.appliedPerSecond), `${fmt(ratio, 2)}×`, ms(s.lag.p50), ms(s.lag.p99), `≥ ${RATIO_TARGET.toFixed(2)}× phase 1`, pass(ratio >= RATIO_TARGET)]));
  const { anonBaseline: ab, anonSegments: as } = r;
  if (ab) lines.push(row(['2a anonymous page views, none', fmt(ab.appliedPerSecond), '1.00×', ms(ab.lag.p50), ms(ab.lag.p99), 'reference', '-']));
  const anonRatio = ab && as ? as.appliedPerSecond / ab.appliedPerSecond : NaN;
  if (as) lines.push(row(['2b anonymous page views, 20 segm.', fmt(as.appliedPerSecond), `${fmt(anonRatio, 2)}×`, ms(as.lag.p50), ms(as.lag.p99), `≥ ${RATIO_TARGET.toFixed(2)}× phase 2a`, pass(anonRatio >= RATIO_TARGET)]));
  if (q) lines.push(row(['3 event → segment_qualified', '-', '-', ms(q.latency.p50), ms(q.latency.p99), `p50 ≤ ${QUALIFY_P50_TARGET_MS} ms`, pass(q.latency.p50 <= QUALIFY_P50_TARGET_MS)]));
  if (f) {
    const scaled = f.seconds * (BACKFILL_TARGET_PEOPLE / f.people);
    lines.push(row([`4 backfill of ${f.people} people`, fmt(f.processed / f.seconds, 0), '-', '-', '-', `≤ ${BACKFILL_TARGET_S} s per 100k`, pass(f.status === 'completed' && f.qualified === f.expected && scaled <= BACKFILL_TARGET_S)]));
  }
  lines.push('', '  per s: page views applied/s (phases 1–2b: applied ÷ (last appliedAt − first send)); visitors evaluated/s (phase 4)', '  p50/p99: ingest → applied lag (phases 1–2b); event accepted → person.segment_qualified received (phase 3)');
  for (const [name, t] of [['no segment', b], ['20 segments', s], ['anon, none', ab], ['anon, 20', as]] as const) {
    if (t) lines.push(`  ${name.padEnd(11)} ${t.identified} identified; ${t.applied}/${t.accepted} page views applied (${t.sent} sent; failures: ${t.failures}); CPU (% of a core) ${cpuText(t.cpu)}`);
  }
  if (q) lines.push(`  qualify     ${q.received}/${q.accepted} qualified (failures: ${q.failures}); max ${ms(q.latency.max)} ms; CPU (% of a core) ${cpuText(q.cpu)}`);
  if (f) lines.push(`  backfill    ${f.status} in ${fmt(f.seconds)} s: ${f.processed} evaluated, ${f.qualified} members (expected ${f.expected}); people written in ${fmt(f.seedSeconds)} s beforehand; CPU (% of a core) ${cpuText(f.cpu)}`);
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
