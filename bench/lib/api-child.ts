/**
 * The API as its own process for benchmarks (started by bench-stack with `api: 'child'`), so its
 * resident memory is the API's alone. Configured from the environment like api/main.ts.
 *
 * With BENCH_BASELINE_PORT set it also serves, in this same process and on the same mongoose
 * connection pool, a bare baseline route: `POST /ingest` parses the JSON body, does the one
 * `insertOne` an accepted ingest does (a document shaped like an ingest outbox entry, into
 * `bench_baseline` of the same database) and answers 202 — no auth, validation or hand-off.
 *
 * For diagnosis it counts, without changing them, what the ingest dispatcher does: events
 * offered, queued, and dropped (left to the outbox sweep: the queue was full or the dispatcher was
 * backing off), and how long each signal-with-start to Temporal took.
 *
 * IPC with the parent: sends `{ type: 'ready', url, baselineUrl }`; answers `{ type: 'memory' }`
 * with `process.memoryUsage()`, `{ type: 'gc' }` with it after a full collection (the parent
 * starts this process with --expose-gc; nothing else calls gc) and `{ type: 'dispatcher' }` with
 * the counts since the last ask.
 * Exits when the parent goes away.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { WorkflowClient } from '@temporalio/client';
import express from 'express';
import mongoose from 'mongoose';
import { startApi } from '../../api/server';
import { parseConfig } from '../../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../../core/platform/db';
import { IngestDispatcher } from '../../core/ingest/ingest-dispatcher';
import { createLogger } from '../../core/platform/logger';

export interface DispatcherStats {
  offered: number;
  queued: number;
  /** Not queued: the in-memory queue was full (maxQueued) or the dispatcher was backing off. */
  dropped: number;
  signals: number;
  signalErrors: number;
  /** signal-with-start round trips (ms), since the last ask. */
  signalMs: number[];
  /** Largest queued + in-flight seen. */
  maxPending: number;
}

const stats: DispatcherStats = { offered: 0, queued: 0, dropped: 0, signals: 0, signalErrors: 0, signalMs: [], maxPending: 0 };

/** Observes the dispatcher and the Temporal client (prototype wrappers; behaviour unchanged). */
function instrument(): void {
  type Internals = { queued: number; pending: number };
  const proto = IngestDispatcher.prototype as unknown as { enqueue: (this: Internals, events: unknown[]) => void };
  const enqueue = proto.enqueue;
  proto.enqueue = function (this: Internals, events: unknown[]) {
    const before = this.queued;
    enqueue.call(this, events);
    const added = this.queued - before;
    stats.offered += events.length;
    stats.queued += added;
    stats.dropped += events.length - added;
    stats.maxPending = Math.max(stats.maxPending, this.pending);
  };
  const client = WorkflowClient.prototype as unknown as { signalWithStart: (...args: unknown[]) => Promise<unknown> };
  const signalWithStart = client.signalWithStart;
  client.signalWithStart = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await signalWithStart.apply(this, args);
    } catch (err) {
      stats.signalErrors++;
      throw err;
    } finally {
      stats.signals++;
      if (stats.signalMs.length < 200_000) stats.signalMs.push(performance.now() - started);
    }
  };
}

async function startBaseline(port: number, host: string): Promise<string> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('no database handle');
  const collection = db.collection('bench_baseline');
  const app = express();
  app.disable('x-powered-by');
  app.post('/ingest', express.json({ limit: 600 * 1024 }), async (req, res, next) => {
    try {
      const receivedAt = Date.now();
      const body = (req.body ?? {}) as { type?: string; data?: Record<string, unknown> };
      const id = `ing_${randomBytes(12).toString('hex')}`;
      const event = {
        id,
        workspaceId: 'ws_baseline',
        visitorId: `vis_${String(body.data?.visitor_fingerprint ?? '')}`,
        key: `fp:${String(body.data?.visitor_fingerprint ?? '')}`,
        type: body.type,
        timestamp: receivedAt,
        receivedAt,
        messageId: null,
        context: { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null },
        data: body.data ?? {},
      };
      await collection.insertOne({ _id: id as never, workspaceId: event.workspaceId, visitorId: event.visitorId, event, receivedAt: new Date(receivedAt) });
      res.status(202).json({ success: true, id });
    } catch (err) {
      next(err);
    }
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
}

async function main(): Promise<void> {
  instrument();
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, 'bench-api');
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  const api = await startApi(config, logger, { connectDb: false });
  const baselinePort = process.env.BENCH_BASELINE_PORT;
  const baselineUrl = baselinePort ? await startBaseline(Number(baselinePort), config.API_HOST) : undefined;

  process.on('message', (msg: { type?: string; id?: number }) => {
    if (msg?.type === 'memory') process.send?.({ type: 'memory', id: msg.id, value: process.memoryUsage() });
    if (msg?.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      process.send?.({ type: 'gc', id: msg.id, value: process.memoryUsage() });
    }
    if (msg?.type === 'dispatcher') {
      process.send?.({ type: 'dispatcher', id: msg.id, value: { ...stats } });
      Object.assign(stats, { offered: 0, queued: 0, dropped: 0, signals: 0, signalErrors: 0, signalMs: [], maxPending: 0 });
    }
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await api.close().catch(() => undefined);
    await disconnectDatabase().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.once('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: api.url, baselineUrl });
}

main().catch((err) => {
  process.stderr.write(`bench API failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
