/**
 * Ingest helpers shared by the benchmarks (bench/ingest.ts, bench/webhook-neighbours.ts): pageview
 * payloads, workspaces through the admin API, and the ingest → applied lag read from the processed
 * log (`ingest_events`: appliedAt − receivedAt) on the bench's own connection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import type { BenchStack } from './bench-stack';

// ---- payloads -----------------------------------------------------------------------------------

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const PAGES = ['/', '/pricing', '/features', '/blog/launch', '/docs/getting-started', '/about', '/customers', '/contact'];

/** A deterministic spread of fingerprints (a multiplicative hash of the sequence number). */
export const fingerprintOf = (i: number, space: number) => `bench-fp-${(Math.imul(i + 1, 2654435761) >>> 0) % space}`;

export function pageview(i: number, space: number): object {
  const path = PAGES[i % PAGES.length];
  return {
    type: 'pageview',
    data: {
      visitor_fingerprint: fingerprintOf(i, space),
      session_id: `bench-session-${i % 5000}`,
      url: `https://www.example.com${path}`,
      path,
      referrer: i % 3 === 0 ? 'https://www.google.com/' : '',
      title: `Example — ${path}`,
      locale: 'en-US',
      ip: `203.0.113.${i % 250}`,
      user_agent: USER_AGENT,
    },
  };
}

export const singleBody = (space: number) => (i: number) => JSON.stringify(pageview(i, space));
export const batchBody = (space: number, size: number, offset = 0) => (i: number) =>
  JSON.stringify({ events: Array.from({ length: size }, (_, k) => pageview(offset + i * size + k, space)) });

/** Accepted ids from a single (`{ id }`) or batch (`{ results: [{ id, status }] }`) answer. */
export function acceptedIds(body: string): string[] {
  const parsed = JSON.parse(body) as { id?: string; duplicate?: boolean; results?: Array<{ id?: string; status: string }> };
  if (parsed.results) return parsed.results.filter((r) => r.status === 'accepted' && r.id).map((r) => r.id!);
  return parsed.id && !parsed.duplicate ? [parsed.id] : [];
}

// ---- workspaces ---------------------------------------------------------------------------------

export interface Workspace {
  id: string;
  secretKey: string;
}

export async function createWorkspace(stack: BenchStack, name: string): Promise<Workspace> {
  const res = await fetch(`${stack.api.url}/admin/v1/workspaces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, rateLimits: { perMinute: 1e7, perDay: 1e9 } }),
  });
  if (res.status !== 201) throw new Error(`creating a workspace answered ${res.status}: ${await res.text()}`);
  const created = (await res.json()) as { workspace: { id: string }; keys: Array<{ kind: string; key: string }> };
  return { id: created.workspace.id, secretKey: created.keys.find((k) => k.kind === 'secret')!.key };
}

// ---- ingest → applied lag (the bench's own connection) ------------------------------------------

export interface Applied {
  receivedAt: Date;
  appliedAt: Date;
}

/**
 * Waits until the given accepted events are in `ingest_events` (the processed log), at most
 * `timeoutS`. Looks them up by `_id` only, oldest first, a chunk at a time: on FerretDB any other
 * query (a count, `$in`, a filter) reads the whole collection, ≈ 0.1 ms per document, which at
 * these sizes would load the database more than the pipeline being measured.
 */
export async function waitApplied(ids: string[], timeoutS: number): Promise<{ applied: Map<string, Applied>; missing: string[]; seconds: number; lookups: number }> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('no database handle');
  const log = db.collection<{ _id: string } & Applied>('ingest_events');
  const applied = new Map<string, Applied>();
  let pending = [...ids];
  let lookups = 0;
  const started = performance.now();
  while (pending.length > 0) {
    for (let at = 0; at < pending.length && at < 3000; ) {
      const chunk = pending.slice(at, at + 50);
      const docs = await Promise.all(chunk.map((id) => log.findOne({ _id: id }, { projection: { receivedAt: 1, appliedAt: 1 } })));
      docs.forEach((doc, k) => doc && applied.set(chunk[k], { receivedAt: doc.receivedAt, appliedAt: doc.appliedAt }));
      at += chunk.length;
      lookups += chunk.length;
      // Events are applied roughly in arrival order: stop at the first mostly-pending chunk.
      if (docs.filter(Boolean).length < chunk.length * 0.8) break;
    }
    pending = pending.filter((id) => !applied.has(id));
    if (pending.length === 0 || performance.now() - started > timeoutS * 1000) break;
    await sleep(1000);
  }
  return { applied, missing: pending, seconds: (performance.now() - started) / 1000, lookups };
}

/** Lags (ms) of the applied events, plus an infinite one per event never applied. */
export function lagsOf(applied: Map<string, Applied>, missing: string[]): number[] {
  return [...[...applied.values()].map((a) => a.appliedAt.getTime() - a.receivedAt.getTime()), ...missing.map(() => Infinity)];
}
