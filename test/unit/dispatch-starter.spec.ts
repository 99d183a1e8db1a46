import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DISPATCH_CHECK_INTERVAL_MS, DispatchStarter } from '../../core/webhooks/queue-deliveries';
import { parseConfig } from '../../core/platform/config';
import { createLogger } from '../../core/platform/logger';

const config = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/unused', TEMPORAL_TASK_QUEUE: 'q', WEBHOOK_DISPATCH_PARTITIONS: '4' });
const logger = createLogger('silent', 'test');

/** A Temporal client that records starts; `running` workflow ids answer "already started". */
function fakeTemporal(running = new Set<string>(), failWith?: Error) {
  const starts: string[] = [];
  const client = {
    workflow: {
      start: async (_workflow: unknown, opts: { workflowId: string }) => {
        starts.push(opts.workflowId);
        if (failWith) throw failWith;
        if (running.has(opts.workflowId)) throw new WorkflowExecutionAlreadyStartedError('already started', opts.workflowId, 'webhookDispatchWorkflow');
        running.add(opts.workflowId);
      },
    },
  };
  return { client: client as unknown as Client, starts };
}

describe('DispatchStarter', () => {
  it('starts a partition once per check interval, however many deliveries are queued for it', async () => {
    let now = 0;
    const { client, starts } = fakeTemporal();
    const starter = new DispatchStarter({ config, logger, temporal: client }, () => now);
    await Promise.all([starter.ensureRunning(1), starter.ensureRunning(1), starter.ensureRunning(2)]);
    await starter.ensureRunning(1);
    expect(starts).toEqual(['webhook-dispatch-q-1', 'webhook-dispatch-q-2']);
    now += DISPATCH_CHECK_INTERVAL_MS;
    await starter.ensureRunning(1); // checked again: running already, which is fine
    expect(starts).toEqual(['webhook-dispatch-q-1', 'webhook-dispatch-q-2', 'webhook-dispatch-q-1']);
  });

  it('treats a running workflow as started, and retries the next time after a failed start', async () => {
    const down = fakeTemporal(new Set(), new Error('temporal unavailable'));
    const failing = new DispatchStarter({ config, logger, temporal: down.client });
    await expect(failing.ensureRunning(0)).rejects.toThrow('temporal unavailable');
    await expect(failing.ensureRunning(0)).rejects.toThrow('temporal unavailable');
    expect(down.starts).toHaveLength(2); // a failure is not remembered as a check

    const up = fakeTemporal(new Set(['webhook-dispatch-q-0']));
    await expect(new DispatchStarter({ config, logger, temporal: up.client }).ensureRunning(0)).resolves.toBeUndefined();
  });
});
