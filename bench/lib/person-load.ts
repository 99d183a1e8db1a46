/**
 * Load shared by the benchmarks of the person pipeline (lead-scoring, segments): identified
 * visitors at companies, page views over them, a local HTTP server, and the applied-throughput phase.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchStack } from './bench-stack';
import { CpuMeter, failuresText, openLoop, type Target } from './load';
import { acceptedIds, fingerprintOf, lagsOf, pageview, waitApplied, type Workspace } from './ingest-lag';
import { fmt, summarize } from './stats';

export function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })));
}

export async function api(stack: BenchStack, ws: Workspace, method: string, path: string, body: unknown, expect: number): Promise<void> {
  const res = await fetch(`${stack.api.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== expect) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
}

export const COMPANIES = ['northwind-analytics.com', 'acme-rockets.com', 'globex.io', 'initech.dev', 'umbrella-labs.com', 'hooli.xyz', 'stark-industries.co', 'wayne-enterprises.net'];
/** A public address per visitor (stable, so page views do not look like a new network each time). */
export const ipOf = (k: number) => `52.${(k >> 8) & 255}.${k & 255}.${1 + (k % 250)}`;
export const identifyBody = (fingerprint: string, k: number) =>
  JSON.stringify({ type: 'identify', data: { visitor_fingerprint: fingerprint, email: `person${k}@${COMPANIES[k % COMPANIES.length]}`, name: `Bench Person ${k}`, ip: ipOf(k) } });

/** Page views over the `space` identified visitors `bench-fp-0 … bench-fp-<space−1>`, each with its own stable ip. */
export const pageviewBody = (space: number, offset: number) => (i: number) => {
  const event = pageview(offset + i, space) as { data: Record<string, unknown> };
  const k = Number(fingerprintOf(offset + i, space).slice('bench-fp-'.length));
  event.data.ip = ipOf(k);
  return JSON.stringify(event);
};

export interface ThroughputFigures {
  identified: number;
  sent: number;
  accepted: number;
  applied: number;
  appliedPerSecond: number;
  lag: { p50: number; p95: number; p99: number; max: number };
  failures: string;
  cpu: Record<string, number>;
}

export interface ThroughputOptions {
  /** Anonymous visitors: page views only, nobody identified first. */
  anonymous?: boolean;
  visitors: number;
  rate: number;
  seconds: number;
  drainTimeout: number;
  progress: (msg: string) => void;
}

/** A latency for the table: one never seen (counted as infinitely late) reads `never`. */
export const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : Number.isFinite(v) ? fmt(v, 0) : 'never');

export const cpuText = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, v]) => `${name} ${fmt(v, 0)}%`)
    .join(', ');

/** Identifies `visitors` visitors, waits for them, then sends page views over them open-loop: applied/s. */
export async function throughputPhase(stack: BenchStack, ws: Workspace, name: string, opts: ThroughputOptions): Promise<ThroughputFigures> {
  const { visitors, rate, seconds, drainTimeout, progress } = opts;
  const target: Target = { origin: stack.api.url, path: '/api/v1/ingest', headers: { authorization: `Bearer ${ws.secretKey}`, 'content-type': 'application/json' } };
  let identified = { applied: new Map(), seconds: 0 };
  if (!opts.anonymous) {
    progress(`${name}: identifying ${visitors} visitors`);
    const identifyIds: string[] = [];
    await openLoop(target, { rate: Math.max(visitors, 1) / 2, seconds: 2, body: (k) => identifyBody(`bench-fp-${k}`, k), onResponse: (_i, _s, body) => identifyIds.push(...acceptedIds(body)) });
    identified = await waitApplied(identifyIds, drainTimeout);
    progress(`${name}: ${identified.applied.size}/${identifyIds.length} identifies applied after ${fmt(identified.seconds)} s`);
  }
  progress(`${name}: page views at ${rate}/s for ${seconds} s over ${visitors} ${opts.anonymous ? 'anonymous' : 'identified'} visitors`);
  await sleep(2000); // let the identification's own work (enrichment, first score) start before the measured load
  const cpu = new CpuMeter(stack.pids);
  const ids: string[] = [];
  const sendStarted = Date.now();
  const sent = await openLoop(target, { rate, seconds, body: pageviewBody(visitors, 1_000_000), onResponse: (_i, _s, body) => ids.push(...acceptedIds(body)) });
  const sendEnded = Date.now();
  progress(`${name}: ${ids.length} accepted; waiting (at most ${drainTimeout} s) until they are applied`);
  const { applied, missing } = await waitApplied(ids, drainTimeout);
  const used = cpu.read();
  const lastApplied = Math.max(sendEnded, ...[...applied.values()].map((a) => a.appliedAt.getTime()));
  const figures: ThroughputFigures = {
    identified: identified.applied.size,
    sent: Math.round(rate * seconds),
    accepted: ids.length,
    applied: applied.size,
    appliedPerSecond: applied.size / ((lastApplied - sendStarted) / 1000),
    lag: summarize(lagsOf(applied, missing)),
    failures: failuresText(sent),
    cpu: used,
  };
  progress(
    `${name}: ${figures.applied}/${figures.accepted} applied, ${fmt(figures.appliedPerSecond)} applied/s; apply lag p50 ${ms(figures.lag.p50)} p99 ${ms(figures.lag.p99)} ms; failures ${figures.failures}; CPU ${cpuText(used)}`,
  );
  return figures;
}

