/** Helpers shared by the ingest and visitor-pipeline e2e tests (real API, real Temporal, real database). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, startProcess, waitUntil } from '../../scripts/stack/child-process';
import { randomAlphanumeric } from '../../core/workspaces/api-keys';
import { searchAttributeCliArgs } from '../../core/platform/temporal/search-attributes';
import type { EventDoc } from '../../core/events/event.model';
import { EventModel } from '../../core/events/event.model';
import { IngestEventModel, type IngestEventDoc } from '../../core/ingest/ingest-event.model';
import { IngestOutboxModel } from '../../core/ingest/ingest-outbox.model';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { ActivityBucketModel, type ActivityBucketDoc } from '../../core/visitors/visitor-activity-bucket.model';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { emittedEventIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import type { Activity } from '../../core/visitors/visitor-types';
import { eventually, requiredEnv, type ApiResponse, type TestStack, type TestWorkspace } from './test-stack';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export type IngestType = 'pageview' | 'event' | 'identify' | 'revenue';

export interface Accepted {
  success: true;
  id: string;
  duplicate?: boolean;
}

/** A workspace with API limits far above anything a test sends. */
export function roomyWorkspace(stack: TestStack, name: string, extra: Record<string, unknown> = {}): Promise<TestWorkspace> {
  return stack.createWorkspace(name, { rateLimits: { perMinute: 100_000, perDay: 1_000_000 }, ...extra });
}

/** A fingerprint no other test uses. */
export function uniqueFingerprint(prefix = 'fp'): string {
  return `${prefix}_${randomAlphanumeric(10)}`;
}

export function visitorIdOf(ws: TestWorkspace, fingerprint: string): string {
  return visitorIdFor(ws.id, `fp:${fingerprint}`);
}

/** POST /api/v1/ingest with the key as a Bearer token. */
export function ingest<T = Accepted>(stack: TestStack, key: string, type: IngestType | string, data: Record<string, unknown>, envelope: Record<string, unknown> = {}): Promise<ApiResponse<T>> {
  return stack.request<T>('POST', '/api/v1/ingest', { key, body: { type, data, ...envelope } });
}

/** Like `ingest`, but fails the test unless the answer is 202; returns the ingest event id. */
export async function ingestOk(stack: TestStack, key: string, type: IngestType, data: Record<string, unknown>, envelope: Record<string, unknown> = {}): Promise<string> {
  const res = await ingest(stack, key, type, data, envelope);
  if (res.status !== 202 || res.body.success !== true || typeof res.body.id !== 'string') {
    throw new Error(`ingest ${type} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body.id;
}

export function pageview(fingerprint: string, url: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { visitor_fingerprint: fingerprint, url, ...over };
}

/** Waits until the visitor document exists and satisfies `ready`. */
export function waitForVisitor(visitorId: string, ready: (v: VisitorDoc) => boolean, what = `visitor ${visitorId}`, timeoutMs = 30_000): Promise<VisitorDoc> {
  return eventually(
    async () => {
      const v = await visitorRepository.findById(visitorId);
      return v && ready(v) ? v : undefined;
    },
    timeoutMs,
    what,
  );
}

/** Every timeline entry of one visitor (all buckets), in stored order. */
export async function timelineOf(visitorId: string): Promise<Activity[]> {
  const buckets = await ActivityBucketModel.find({ visitorId }).lean<ActivityBucketDoc[]>();
  const seq = (id: string) => Number(id.slice(id.lastIndexOf('~') + 1));
  return buckets.sort((a, b) => seq(a._id) - seq(b._id)).flatMap((b) => b.items);
}

export function processedEventsOf(workspaceId: string): Promise<IngestEventDoc[]> {
  return IngestEventModel.find({ workspaceId }).lean<IngestEventDoc[]>();
}

export function outboxCountOf(workspaceId: string): Promise<number> {
  return IngestOutboxModel.countDocuments({ workspaceId });
}

export function waitForEmptyOutbox(workspaceId: string, timeoutMs = 10_000): Promise<true> {
  return eventually(async () => ((await outboxCountOf(workspaceId)) === 0 ? true : undefined), timeoutMs, 'an empty outbox');
}

/** Events ever accepted for a visitor: waiting in the outbox or already applied (both written before the 202). */
export async function acceptedCountFor(visitorId: string): Promise<number> {
  const [waiting, applied] = await Promise.all([IngestOutboxModel.countDocuments({ visitorId }), IngestEventModel.countDocuments({ visitorId })]);
  return waiting + applied;
}

export const links = (items: Activity[]) => items.filter((a): a is Extract<Activity, { type: 'links' }> => a.type === 'links');
export const customs = (items: Activity[]) => items.filter((a): a is Extract<Activity, { type: 'custom_activity' }> => a.type === 'custom_activity');

export function emittedEvents(workspaceId: string, type: string): Promise<EventDoc[]> {
  return EventModel.find({ workspaceId, type }).lean<EventDoc[]>();
}

/** The outgoing event an ingest event caused (its id is derived from the cause). */
export function emittedFor(cause: string, type: string): Promise<EventDoc | null> {
  return EventModel.findById(emittedEventIdFor(cause, type)).lean<EventDoc>();
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface PrivateTemporal {
  address: string;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server of this test file alone (own port, own data file), started like
 * scripts/stack/temporal.ts does, plus extra `--dynamic-config-value` settings, e.g. a tiny
 * `limit.historyCount.suggestContinueAsNew` so workflows continue as new after a few events.
 */
export async function startPrivateTemporal(dynamicConfig: Record<string, string | number> = {}): Promise<PrivateTemporal> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-private-temporal-'));
  const port = await freePort();
  const logFile = join(dir, 'temporal.log');
  const args = [
    'server', 'start-dev',
    '--db-filename', join(dir, 'temporal.db'),
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', 'default',
    '--log-level', 'warn',
    '--headless',
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
    ...searchAttributeCliArgs(),
  ];
  const proc = startProcess('temporal', requiredEnv('SIGNALBOX_TEMPORAL_BIN'), args, logFile);
  const address = `127.0.0.1:${port}`;
  const ready = async () => {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return true;
    } finally {
      await connection.close();
    }
  };
  await waitUntil('private Temporal dev server', ready, { timeoutMs: 60_000, process: proc, logFile });
  return {
    address,
    async stop() {
      await proc.stop();
      if (!process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
}
