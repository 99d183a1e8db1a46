import type { Client } from '@temporalio/client';
import { IngestDispatcher } from '../../core/ingest/ingest-dispatcher';
import { partitionOf } from '../../core/ingest/ingest-partition';
import { parseConfig } from '../../core/platform/config';
import { createLogger } from '../../core/platform/logger';
import type { VisitorEvent } from '../../core/visitors/visitor-types';

/** A Temporal client whose signal-with-start settles when the test says so. */
function fakeTemporal() {
  const calls: Array<{ workflowId: string; visitorId: string; ids: string[]; settle: (err?: Error) => void }> = [];
  const client = {
    withAbortSignal: <T>(_signal: AbortSignal, fn: () => Promise<T>) => fn(),
    workflow: {
      signalWithStart: (_workflow: unknown, opts: { workflowId: string; args: [{ visitorId: string }]; signalArgs: [VisitorEvent[]] }) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ workflowId: opts.workflowId, visitorId: opts.args[0].visitorId, ids: opts.signalArgs[0].map((e) => e.id), settle: (err) => (err ? reject(err) : resolve()) });
        }),
    },
  };
  return { client: client as unknown as Client, calls };
}

const event = (visitorId: string, id: string): VisitorEvent => ({
  id,
  workspaceId: 'ws_1',
  visitorId,
  key: `fp:${visitorId}`,
  type: 'pageview',
  timestamp: 0,
  receivedAt: 0,
  messageId: null,
  context: { ip: null, userAgent: null },
  data: {},
});

const tick = () => new Promise((resolve) => setImmediate(resolve));
const logger = createLogger('silent', 'test');
const config = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', TEMPORAL_TASK_QUEUE: 'q', INGEST_PIPELINE: 'visitors' });

describe('IngestDispatcher', () => {
  it('hands a visitor’s later events over only after its earlier hand-over finished, in arrival order', async () => {
    const { client, calls } = fakeTemporal();
    const dispatcher = new IngestDispatcher({ config, logger, temporal: client });
    dispatcher.enqueue([event('a', 'a1')]);
    await tick();
    dispatcher.enqueue([event('a', 'a2'), event('b', 'b1')]);
    dispatcher.enqueue([event('a', 'a3')]);
    await tick();
    // a1 is in flight, so a2 and a3 wait; b is another visitor and goes at once.
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['b1']]);
    calls[0].settle();
    await tick();
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
    calls[1].settle();
    calls[2].settle();
    await dispatcher.drain();
    expect(dispatcher.pending).toBe(0);
  });

  it('after a failed hand-over leaves that visitor’s newer events to the outbox sweep, so they cannot overtake the older ones', async () => {
    const { client, calls } = fakeTemporal();
    let now = 1_000_000;
    const dispatcher = new IngestDispatcher({ config, logger, temporal: client }, { deferMs: 120_000, now: () => now });
    dispatcher.enqueue([event('a', 'a1')]);
    await tick();
    dispatcher.enqueue([event('a', 'a2'), event('c', 'c1')]);
    calls[0].settle(new Error('unavailable'));
    await dispatcher.drain();
    // Paused for 5 s: nobody's events are handed over.
    dispatcher.enqueue([event('b', 'b1')]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1']]);

    // After the pause, visitors whose events went to the sweep keep sending that way (each event
    // extends it); the others are handed over again.
    now += 10_000;
    dispatcher.enqueue([event('a', 'a3'), event('c', 'c2'), event('d', 'd1')]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['d1']]);
    calls[1].settle();

    now += 100_000; // a3 went to the sweep 100 s ago: a is still deferred; c (last at +10 s) too
    dispatcher.enqueue([event('a', 'a4')]);
    now += 21_000; // c's last deferred event was 121 s ago
    dispatcher.enqueue([event('c', 'c3')]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['d1'], ['c3']]);
    calls[2].settle();
    await dispatcher.drain();
    expect(dispatcher.pending).toBe(0);
  });

  it('remembers a bounded number of deferred visitors, then leaves everything to the sweep for a while', async () => {
    const { client, calls } = fakeTemporal();
    let now = 1_000_000;
    const dispatcher = new IngestDispatcher({ config, logger, temporal: client }, { maxQueued: 2, maxDeferred: 3, deferMs: 60_000, now: () => now });
    // Over maxQueued: the rest go to the sweep and their visitors are deferred; the fourth is one too many.
    dispatcher.enqueue(['a', 'b', 'c', 'd', 'e', 'f'].map((v) => event(v, `${v}1`)));
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['b1']]);
    calls.forEach((c) => c.settle());
    await dispatcher.drain();
    now += 30_000;
    dispatcher.enqueue([event('g', 'g1')]);
    await tick();
    expect(calls).toHaveLength(2);
    now += 31_000;
    dispatcher.enqueue([event('h', 'h1')]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1'], ['b1'], ['h1']]);
    calls[2].settle();
    await dispatcher.drain();
  });

  describe('INGEST_PIPELINE=partitions', () => {
    const partitions = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', TEMPORAL_TASK_QUEUE: 'q', INGEST_PIPELINE: 'partitions', INGEST_PARTITIONS: '2' });
    /** Visitor ids v0, v1, … grouped by the partition they map to. */
    const inPartition = (n: number) => Array.from({ length: 50 }, (_, i) => `v${i}`).filter((v) => partitionOf('ws_1', v, 2) === n);

    it('signals nothing (the partitions poll the outbox) and starts each partition involved once per check interval', async () => {
      const { client, calls } = fakeTemporal();
      const started: string[] = [];
      (client.workflow as unknown as { start: (w: unknown, o: { workflowId: string }) => Promise<void> }).start = async (_w, opts) => void started.push(opts.workflowId);
      const dispatcher = new IngestDispatcher({ config: partitions, logger, temporal: client });
      const [a, b] = inPartition(0);
      const [c] = inPartition(1);
      dispatcher.enqueue([event(a, 'a1'), event(c, 'c1'), event(b, 'b1')]);
      dispatcher.enqueue([event(a, 'a2')]);
      await tick();
      await tick();
      expect(calls).toEqual([]);
      expect(started.sort()).toEqual(['ingest-partition-q-0', 'ingest-partition-q-1']);
      expect(dispatcher.pending).toBe(0);
    });
  });
});
