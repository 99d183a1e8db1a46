import type { Client } from '@temporalio/client';
import { DeliveryHandOff } from '../../core/webhooks/hand-over-deliveries';
import { dispatchPartitionOf, type DeliveryRef } from '../../core/webhooks/delivery-ref';
import { parseConfig } from '../../core/platform/config';
import { createLogger } from '../../core/platform/logger';

/** A Temporal client whose signal-with-start settles when the test says so. */
function fakeTemporal() {
  const calls: Array<{ workflowId: string; ids: string[]; settle: (err?: Error) => void }> = [];
  const client = {
    workflow: {
      signalWithStart: (_workflow: unknown, opts: { workflowId: string; signalArgs: [DeliveryRef[]] }) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ workflowId: opts.workflowId, ids: opts.signalArgs[0].map((r) => r.deliveryId), settle: (err) => (err ? reject(err) : resolve()) });
        }),
    },
  };
  return { client: client as unknown as Client, calls };
}

const PARTITIONS = 4;
const config = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', TEMPORAL_TASK_QUEUE: 'q', WEBHOOK_DISPATCH_PARTITIONS: String(PARTITIONS), WEBHOOK_DISPATCH_LINGER: '1ms' });
const logger = createLogger('silent', 'test');
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Subscription ids that map to the given partitions (found by trying). */
function subscriptionIn(partition: number): string {
  for (let i = 0; ; i++) if (dispatchPartitionOf(`wh_${i}`, PARTITIONS) === partition) return `wh_${i}`;
}
const ref = (subscriptionId: string, deliveryId: string): DeliveryRef => ({ deliveryId, workspaceId: 'ws_1', subscriptionId, eventId: 'evt_1', eventType: 'lead.created', series: 1, attemptNumber: 1, queuedAt: 0 });

describe('DeliveryHandOff', () => {
  it('hands each partition its share in one signal, and resolves once it is signalled', async () => {
    const { client, calls } = fakeTemporal();
    const handOff = new DeliveryHandOff({ config, logger, temporal: client });
    const [a, b] = [subscriptionIn(0), subscriptionIn(1)];
    let resolved = false;
    const done = Promise.all([handOff.handOver([ref(a, 'd1'), ref(b, 'd2')]), handOff.handOver([ref(a, 'd3')])]).then(() => (resolved = true));
    await wait(10);
    expect(calls.map((c) => [c.workflowId, c.ids])).toEqual([
      ['webhook-dispatch-q-0', ['d1', 'd3']],
      ['webhook-dispatch-q-1', ['d2']],
    ]);
    calls[0].settle();
    await wait(5);
    expect(resolved).toBe(false); // d2's partition has not answered yet
    calls[1].settle();
    await done;
    expect(resolved).toBe(true);
  });

  it('keeps one signal in flight per partition: what arrives meanwhile goes in the next one', async () => {
    const { client, calls } = fakeTemporal();
    const handOff = new DeliveryHandOff({ config, logger, temporal: client });
    const a = subscriptionIn(2);
    const first = handOff.handOver([ref(a, 'd1')]);
    await wait(10);
    const later = [handOff.handOver([ref(a, 'd2')]), handOff.handOver([ref(a, 'd3')])];
    await wait(10);
    expect(calls.map((c) => c.ids)).toEqual([['d1']]);
    calls[0].settle();
    await first;
    await wait(5);
    expect(calls.map((c) => c.ids)).toEqual([['d1'], ['d2', 'd3']]);
    calls[1].settle();
    await Promise.all(later);
  });

  it('rejects the callers of a failed signal (the event stays unmarked: the outbox sweep repeats it) and goes on', async () => {
    const { client, calls } = fakeTemporal();
    const handOff = new DeliveryHandOff({ config, logger, temporal: client });
    const a = subscriptionIn(3);
    const failed = handOff.handOver([ref(a, 'd1')]);
    await wait(10);
    calls[0].settle(new Error('temporal unavailable'));
    await expect(failed).rejects.toThrow('temporal unavailable');
    const next = handOff.handOver([ref(a, 'd2')]);
    await wait(10);
    calls[1].settle();
    await expect(next).resolves.toBeUndefined();
  });
});
