/**
 * Noisy-neighbour benchmark for webhook delivery:
 *   ./scripts/bench webhook-neighbours [--rate 20] [--seconds 30] [--burst 200] [--subscriptions 25]
 *     [--dead refused|timeout] [--visitors 1000] [--emit-concurrency 8] [--lag-timeout 300]
 *     [--drain-timeout 600] [--log-dir DIR]
 *
 * Does one workspace's webhook trouble slow down another workspace's ingest? One run on its own
 * embedded stack (FerretDB + Temporal dev server; the worker in its own process, the API in this
 * one; ALLOW_PRIVATE_WEBHOOK_TARGETS=true so 127.0.0.1 targets are accepted, as in bench webhooks).
 * Each phase uses fresh workspaces A and B and fresh subscriptions, so every circuit starts closed:
 *   warm-up — a few pageviews and webhook events in a workspace of their own, until applied and
 *             delivered (JIT, collections, the dispatch workflows started).
 *   1. quiet — workspace B ingests pageviews (POST /api/v1/ingest, open loop) at --rate/s over
 *              --visitors fingerprints for --seconds while, at the same moment, workspace A emits a
 *              burst of --burst `lead.created` events through the admin API
 *              (POST /admin/v1/workspaces/:id/events, --emit-concurrency at once) to --subscriptions
 *              HEALTHY subscriptions (a local receiver answering 200): burst × subscriptions
 *              deliveries. B's ingest → applied lag (`ingest_events` appliedAt − receivedAt; an
 *              event never applied within --lag-timeout s counts as infinitely late) p50/p99/max.
 *              Then waits (≤ --drain-timeout s) until A's deliveries all arrived, so the next phase
 *              starts from an idle pipeline.
 *   2. noisy — the same, but A's subscriptions point at dead receivers: a closed port on 127.0.0.1
 *              (connection refused), or with --dead timeout a server that accepts connections and
 *              never answers, so each attempt waits WEBHOOK_TIMEOUT (its first failures come that
 *              long after the burst began: keep --seconds well above it).
 * When B's events are all applied (or --lag-timeout passed), for A: the deliveries of one
 * subscription by who holds them (queued / retrying / waiting, GET /api/v1/webhooks/:id/health),
 * how many of its subscriptions have an open circuit (GET /api/v1/webhooks), A's deliveries
 * received so far, the open Temporal workflows (all, delivery-*, endpoint-*) and those the phase
 * started (delivery-*, endpoint-*: visibility, StartTime ≥ the phase's start); CPU per process
 * (% of a core; `other` = processes outside the benchmark — on a shared machine they move the figures).
 * Prints both phases side by side and the ratio noisy/quiet of B's lag.
 * Target: B's lag with A's endpoints dead unchanged from the quiet run (noisy/quiet ≤ 1.2).
 * Progress goes to stderr, the report to stdout; logs of the stack's processes to --log-dir
 * (default /tmp/signalbox-bench-neighbours-<time>).
 */
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { eventSamples } from '../core/events/event-samples';
import { createTemporalClient } from '../core/platform/temporal/client';
import { freePort } from '../scripts/stack/child-process';
import { deliverWebhookWorkflow, endpointCircuitWorkflow } from '../workflows';
import { startBenchStack, type BenchStack } from './lib/bench-stack';
import { acceptedIds, createWorkspace, lagsOf, singleBody, waitApplied, type Workspace } from './lib/ingest-lag';
import { CpuMeter, failuresText, openLoop } from './lib/load';
import { fmt, summarize, withConcurrency } from './lib/stats';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    burst: { type: 'string', default: '200' },
    subscriptions: { type: 'string', default: '25' },
    dead: { type: 'string', default: 'refused' },
    visitors: { type: 'string', default: '1000' },
    'emit-concurrency': { type: 'string', default: '8' },
    'lag-timeout': { type: 'string', default: '300' },
    'drain-timeout': { type: 'string', default: '600' },
    'log-dir': { type: 'string' },
  },
});
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const burst = Number(opts.burst);
const subscriptions = Number(opts.subscriptions);
const dead = opts.dead;
if (dead !== 'refused' && dead !== 'timeout') throw new Error(`--dead must be refused or timeout, got ${dead}`);
const visitors = Number(opts.visitors);
const emitConcurrency = Number(opts['emit-concurrency']);
const lagTimeout = Number(opts['lag-timeout']);
const drainTimeout = Number(opts['drain-timeout']);
const logDir = opts['log-dir'] ?? `/tmp/signalbox-bench-neighbours-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const TARGET_RATIO = 1.2;

const progress = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

/** The healthy receiver: answers 200 and counts distinct deliveries (X-Signalbox-Delivery). */
async function startReceiver() {
  const seen = new Set<string>();
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.add(String(req.headers['x-signalbox-delivery'] ?? req.headers['webhook-id']));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen, close: () => server.close() };
}

/** A dead receiver: a closed port (connection refused) or a server that accepts and never answers. */
async function startDeadReceiver(kind: 'refused' | 'timeout'): Promise<{ url: string; connections: () => number; close: () => void }> {
  if (kind === 'refused') return { url: `http://127.0.0.1:${await freePort()}/hook`, connections: () => 0, close: () => undefined };
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    connections: () => accepted,
    close: () => {
      sockets.forEach((s) => s.destroy());
      server.close();
    },
  };
}

interface SubscriptionView {
  id: string;
  health: { circuit: 'open' | 'closed' };
}

interface HealthPage {
  circuit: 'open' | 'closed';
  consecutiveFailures: number;
  deliveries: { queued: number; retrying: number; waiting: number };
}

interface PhaseResult {
  name: string;
  target: string;
  accepted: number;
  applied: number;
  sendFailures: string;
  requestP99: number;
  lag: { p50: number; p99: number; max: number };
  /** From the first send until B's last event was applied (or the lag timeout). */
  measuredSeconds: number;
  emitSeconds: number;
  emitted: number;
  /** A's deliveries received when B was done (healthy receiver only). */
  receivedAtEnd: number | null;
  /** Healthy: seconds from the burst's start until all of A's deliveries arrived (null: not within --drain-timeout). */
  allReceivedSeconds: number | null;
  deadConnections: number | null;
  health: HealthPage | null;
  /** How long GET /webhooks/:id/health took (three counts over the deliveries: on FerretDB each reads the whole table). */
  healthMs: number;
  circuitsOpen: number;
  workflows: { all: number; delivery: number; endpoint: number };
  /** Workflow executions started since the phase began (visibility), by kind. */
  started: { delivery: number; endpoint: number };
  cpu: Record<string, number>;
}

const ADMIN_HEADERS = (stack: BenchStack) => ({ authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' });

async function subscribe(stack: BenchStack, ws: Workspace, url: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${stack.api.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${url}?s=${i}`, events: ['lead.created'] }),
    });
    if (res.status !== 201) throw new Error(`subscribing answered ${res.status}: ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

let seq = 0;
async function emit(stack: BenchStack, ws: Workspace): Promise<void> {
  const n = ++seq;
  const body = JSON.stringify({ type: 'lead.created', id: `evt_neighbours_${n}`, data: { ...eventSamples['lead.created'], id: `lead_neighbours_${n}` } });
  const res = await fetch(`${stack.api.url}/admin/v1/workspaces/${ws.id}/events`, { method: 'POST', headers: ADMIN_HEADERS(stack), body });
  if (res.status !== 202) throw new Error(`emit answered ${res.status}: ${await res.text()}`);
}

async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, everyMs));
  return done();
}

async function runPhase(stack: BenchStack, receiver: Awaited<ReturnType<typeof startReceiver>>, name: 'quiet' | 'noisy', phaseNo: number): Promise<PhaseResult> {
  const temporal = createTemporalClient({ address: stack.config.TEMPORAL_ADDRESS, namespace: stack.config.TEMPORAL_NAMESPACE });
  const deadReceiver = name === 'noisy' ? await startDeadReceiver(dead as 'refused' | 'timeout') : null;
  try {
    const a = await createWorkspace(stack, `Neighbours A (${name})`);
    const b = await createWorkspace(stack, `Neighbours B (${name})`);
    const targetUrl = deadReceiver?.url ?? receiver.url;
    const target = deadReceiver ? (dead === 'refused' ? 'dead: connection refused' : `dead: never answers (WEBHOOK_TIMEOUT ${stack.config.WEBHOOK_TIMEOUT} ms)`) : 'healthy: answers 200';
    const subIds = await subscribe(stack, a, targetUrl, subscriptions);
    const aHeaders = { authorization: `Bearer ${a.secretKey}` };
    const receivedBefore = receiver.seen.size;
    progress(`${name}: A has ${subIds.length} subscriptions (${target}); B ingests ${rate}/s for ${seconds} s while A emits ${burst} events (${burst * subIds.length} deliveries)`);

    const cpu = new CpuMeter(stack.pids);
    const ids: string[] = [];
    const started = performance.now();
    const startedAt = new Date();
    const bTarget = { origin: stack.api.url, path: '/api/v1/ingest', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.secretKey}` } };
    let emitted = 0;
    let emitSeconds = NaN;
    const burstDone = withConcurrency(burst, emitConcurrency, async () => {
      await emit(stack, a);
      emitted++;
    }).then(() => {
      emitSeconds = (performance.now() - started) / 1000;
      progress(`${name}: A's burst of ${emitted} emitted in ${fmt(emitSeconds)} s`);
    });
    const ticker = setInterval(() => progress(`${name}: B ${ids.length} accepted; A ${emitted}/${burst} emitted${deadReceiver ? '' : `, ${receiver.seen.size - receivedBefore} deliveries received`}`), 5000);
    const sent = await openLoop(bTarget, { rate, seconds, body: (i) => singleBody(visitors)(i + phaseNo * 10_000_000), onResponse: (_i, _s, body) => ids.push(...acceptedIds(body)) }).finally(() => clearInterval(ticker));
    await burstDone;
    progress(`${name}: B sent ${ids.length} accepted (failures: ${failuresText(sent)}); waiting (≤ ${lagTimeout} s) until they are applied`);
    const { applied, missing } = await waitApplied(ids, lagTimeout);
    const measuredSeconds = (performance.now() - started) / 1000;
    const used = cpu.read();
    const lag = summarize(lagsOf(applied, missing));
    progress(`${name}: B lag p50 ${fmt(lag.p50, 0)} p99 ${fmt(lag.p99, 0)} max ${fmt(lag.max, 0)} ms (${applied.size}/${ids.length} applied); reading A's state`);

    const receivedAtEnd = deadReceiver ? null : receiver.seen.size - receivedBefore;
    const since = `StartTime >= '${startedAt.toISOString()}'`;
    const healthStarted = performance.now();
    let healthMs = NaN;
    const [health, circuitsOpen, workflows, startedWorkflows] = await Promise.all([
      fetch(`${stack.api.url}/api/v1/webhooks/${subIds[0]}/health`, { headers: aHeaders }).then(async (res) => {
        healthMs = performance.now() - healthStarted;
        return res.status === 200 ? ((await res.json()) as HealthPage) : null;
      }),
      fetch(`${stack.api.url}/api/v1/webhooks?limit=100`, { headers: aHeaders })
        .then((res) => res.json() as Promise<{ data: SubscriptionView[] }>)
        .then((page) => page.data.filter((s) => subIds.includes(s.id) && s.health.circuit === 'open').length),
      Promise.all([
        temporal.workflow.count(`ExecutionStatus = 'Running'`),
        temporal.workflow.count(`ExecutionStatus = 'Running' AND WorkflowType = '${deliverWebhookWorkflow.name}'`),
        temporal.workflow.count(`ExecutionStatus = 'Running' AND WorkflowType = '${endpointCircuitWorkflow.name}'`),
      ]).then(([all, delivery, endpoint]) => ({ all: all.count, delivery: delivery.count, endpoint: endpoint.count })),
      Promise.all([
        temporal.workflow.count(`${since} AND WorkflowType = '${deliverWebhookWorkflow.name}'`),
        temporal.workflow.count(`${since} AND WorkflowType = '${endpointCircuitWorkflow.name}'`),
      ]).then(([delivery, endpoint]) => ({ delivery: delivery.count, endpoint: endpoint.count })),
    ]);

    let allReceivedSeconds: number | null = null;
    if (!deadReceiver) {
      const expected = emitted * subIds.length;
      progress(`${name}: waiting (≤ ${drainTimeout} s) until all ${expected} of A's deliveries arrived`);
      const all = await waitFor(() => receiver.seen.size - receivedBefore >= expected, drainTimeout * 1000, 500);
      allReceivedSeconds = all ? (performance.now() - started) / 1000 : null;
    }
    return {
      name,
      target,
      accepted: ids.length,
      applied: applied.size,
      sendFailures: failuresText(sent),
      requestP99: summarize(sent.latencies).p99,
      lag,
      measuredSeconds,
      emitSeconds,
      emitted,
      receivedAtEnd,
      allReceivedSeconds,
      deadConnections: deadReceiver && dead === 'timeout' ? deadReceiver.connections() : null,
      health,
      healthMs,
      circuitsOpen,
      workflows,
      started: startedWorkflows,
      cpu: used,
    };
  } finally {
    deadReceiver?.close();
    await temporal.connection.close();
  }
}

async function warmUp(stack: BenchStack, receiver: Awaited<ReturnType<typeof startReceiver>>): Promise<void> {
  progress('warm-up');
  const ws = await createWorkspace(stack, 'Neighbours warm-up');
  await subscribe(stack, ws, receiver.url, 1);
  const ids: string[] = [];
  const target = { origin: stack.api.url, path: '/api/v1/ingest', headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.secretKey}` } };
  await Promise.all([openLoop(target, { rate: 20, seconds: 5, body: (i) => singleBody(visitors)(i + 90_000_000), onResponse: (_i, _s, body) => ids.push(...acceptedIds(body)) }), withConcurrency(20, 4, () => emit(stack, ws))]);
  const { applied } = await waitApplied(ids, 120);
  const delivered = await waitFor(() => receiver.seen.size >= 20, 120_000);
  progress(`warm-up: ${applied.size}/${ids.length} pageviews applied, webhooks ${delivered ? 'delivered' : 'NOT all delivered'}`);
}

function printReport(phases: PhaseResult[]): void {
  const [quiet, noisy] = phases;
  const col = (v: string) => v.padStart(32);
  const row = (label: string, pick: (p: PhaseResult) => string) => `${label.padEnd(58)}${phases.map((p) => col(pick(p))).join('')}`;
  const ms = (v: number) => (Number.isFinite(v) ? `${fmt(v, 0)} ms` : 'not applied');
  const ratio = (k: 'p50' | 'p99' | 'max') => noisy.lag[k] / quiet.lag[k];
  const cpuKeys = ['ferretdb', 'temporal', 'worker', 'api', 'other', 'idle'];
  const lines = [
    '',
    `Webhook noisy-neighbour benchmark (embedded stack; API in the bench process, worker in its own): B ingests pageviews at ${rate}/s for ${seconds} s over ${visitors} visitors; A emits ${burst} lead.created events through the admin API (POST /admin/v1/workspaces/:id/events, ${emitConcurrency} at once) to ${subscriptions} subscriptions`,
    '',
    row('', (p) => p.name),
    row("A's receivers", (p) => p.target.replace(/ \(WEBHOOK_TIMEOUT.*/, ' (timeout)')),
    row('B accepted / applied', (p) => `${p.accepted} / ${p.applied}`),
    row('B ingest → applied lag p50', (p) => ms(p.lag.p50)),
    row('B ingest → applied lag p99', (p) => ms(p.lag.p99)),
    row('B ingest → applied lag max', (p) => ms(p.lag.max)),
    row('B ingest request p99; send failures', (p) => `${fmt(p.requestP99, 0)} ms; ${p.sendFailures}`),
    row("A's burst emitted in", (p) => `${p.emitted} in ${fmt(p.emitSeconds)} s`),
    row('measured: first send → B all applied', (p) => `${fmt(p.measuredSeconds)} s`),
    row("A deliveries received when B was done", (p) => (p.receivedAtEnd === null ? '-' : `${p.receivedAtEnd} / ${p.emitted * subscriptions}`)),
    row("A all deliveries received after", (p) => (p.receivedAtEnd === null ? '-' : p.allReceivedSeconds === null ? `not within ${drainTimeout} s` : `${fmt(p.allReceivedSeconds)} s`)),
    row("A sub #1 queued / retrying / waiting (health)", (p) => (p.health ? `${p.health.deliveries.queued} / ${p.health.deliveries.retrying} / ${p.health.deliveries.waiting}` : 'n/a')),
    row('A sub #1 health page answered in', (p) => `${fmt(p.healthMs, 0)} ms`),
    row("A sub #1 circuit, consecutive failures", (p) => (p.health ? `${p.health.circuit}, ${p.health.consecutiveFailures}` : 'n/a')),
    row(`A circuits open (of ${subscriptions})`, (p) => String(p.circuitsOpen)),
    row('Temporal open workflows: all / delivery-* / endpoint-*', (p) => `${p.workflows.all} / ${p.workflows.delivery} / ${p.workflows.endpoint}`),
    row('workflows started in the phase: delivery-* / endpoint-*', (p) => `${p.started.delivery} / ${p.started.endpoint}`),
    row(`CPU % of a core (${cpuKeys.join(', ')})`, (p) => cpuKeys.map((k) => fmt(p.cpu[k] ?? NaN, 0)).join(', ')),
  ];
  if (noisy.deadConnections !== null) lines.push(row('connections the dead receiver accepted', (p) => (p.deadConnections === null ? '-' : String(p.deadConnections))));
  const worst = Math.max(ratio('p99'), ratio('max'));
  lines.push(
    '',
    `B's lag noisy/quiet: p50 ${fmt(ratio('p50'), 2)}×, p99 ${fmt(ratio('p99'), 2)}×, max ${fmt(ratio('max'), 2)}×`,
    `target: B's lag unchanged by A's dead receivers (p99 and max noisy/quiet ≤ ${TARGET_RATIO}): ${Number.isFinite(worst) && worst <= TARGET_RATIO ? 'PASS' : 'MISS'}${burst < 200 || seconds < 30 || subscriptions < 25 ? ' (smaller run than the target\'s: --burst 200 --seconds 30 --subscriptions 25)' : ''}`,
    `(A's events are emitted through the admin API; B's pageviews through POST /api/v1/ingest; logs in ${logDir})`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  progress(`logs in ${logDir}`);
  const receiver = await startReceiver();
  const stack = await startBenchStack({ INGEST_RATE_LIMIT_PER_MINUTE: '10000000' }, { logDir });
  try {
    await warmUp(stack, receiver);
    const quiet = await runPhase(stack, receiver, 'quiet', 1);
    const noisy = await runPhase(stack, receiver, 'noisy', 2);
    printReport([quiet, noisy]);
  } finally {
    progress('stopping the stack');
    receiver.close();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
