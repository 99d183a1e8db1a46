import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Deps } from '../core/platform/deps';
import type { Config } from '../core/platform/config';
import { enrichmentTaskQueue } from '../core/platform/temporal/task-queues';
import { providerNames, type ProviderName } from '../core/enrichment/enrichment-settings';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: Deps;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
}

/** The main worker plus one activity worker per enrichment provider, run and stopped together. */
export interface SignalboxWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

export async function createWorker(opts: CreateWorkerOptions): Promise<SignalboxWorker> {
  const workflowSource = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  const activities = createActivities(opts.deps);
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    maxConcurrentActivityTaskExecutions: opts.deps.config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: opts.deps.config.WORKER_MAX_CACHED_WORKFLOWS,
    ...workflowSource,
  });
  const providers = await Promise.all(providerNames.map((provider) => createEnrichmentWorker(opts, provider, activities.enrichPerson)));
  const all = [main, ...providers];
  return {
    run: async () => {
      await Promise.all(all.map((w) => w.run()));
    },
    shutdown: () => all.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
    getState: () => main.getState(),
  };
}

/**
 * Polls one provider's task queue with the provider's rate limit. Temporal enforces
 * `maxTaskQueueActivitiesPerSecond` for the whole queue, so the limit holds across all workers.
 */
export function createEnrichmentWorker(opts: Pick<CreateWorkerOptions, 'connection' | 'namespace' | 'taskQueue'> & { deps: { config: Config } }, provider: ProviderName, enrichPerson: unknown, ratePerSecond?: number): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: enrichmentTaskQueue(opts.taskQueue, provider),
    activities: { enrichPerson: enrichPerson as (...args: unknown[]) => Promise<unknown> },
    maxTaskQueueActivitiesPerSecond: ratePerSecond ?? providerRate(opts.deps.config, provider),
    maxConcurrentActivityTaskExecutions: 50,
  });
}

function providerRate(config: Config, provider: ProviderName): number {
  switch (provider) {
    case 'email-domain':
      return config.ENRICH_RATE_EMAIL_DOMAIN;
    case 'ip-network':
      return config.ENRICH_RATE_IP_NETWORK;
    case 'http':
      return config.ENRICH_RATE_HTTP;
  }
}
