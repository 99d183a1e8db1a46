import type { Client } from '@temporalio/client';
import { IngestDispatcher } from '../../shared/ingest/ingest-dispatcher';
import { createLogger } from '../../shared/logger';
import type { VisitorEvent } from '../../shared/visitors/visitor-types';

/** A Temporal client whose signal-with-start settles when the test says so. */
function fakeTemporal() {
  const calls: Array<{ visitorId: string; ids: string[]; settle: (err?: Error) => void }> = [];
  const client = {
    withAbortSignal: <T>(_signal: AbortSignal, fn: () => Promise<T>) => fn(),
    workflow: {
      signalWithStart: (_type: string, opts: { args: [{ visitorId: string }]; signalArgs: [VisitorEvent[]] }) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ visitorId: opts.args[0].visitorId, ids: opts.signalArgs[0].map((e) => e.id), settle: (err) => (err ? reject(err) : resolve()) });
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

describe('IngestDispatcher', () => {
  it('hands a visitor’s later events over only after its earlier hand-over finished, in arrival order', async () => {
    const { client, calls } = fakeTemporal();
    const dispatcher = new IngestDispatcher({ temporal: client, taskQueue: 'q', logger });
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

  it('after a failed hand-over leaves queued events to the outbox sweep and pauses', async () => {
    const { client, calls } = fakeTemporal();
    const dispatcher = new IngestDispatcher({ temporal: client, taskQueue: 'q', logger });
    dispatcher.enqueue([event('a', 'a1')]);
    await tick();
    dispatcher.enqueue([event('a', 'a2')]);
    calls[0].settle(new Error('unavailable'));
    await dispatcher.drain();
    dispatcher.enqueue([event('a', 'a3')]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a1']]);
    expect(dispatcher.pending).toBe(0);
  });
});
