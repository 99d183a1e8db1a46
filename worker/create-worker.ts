import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Deps } from '../core/platform/deps';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: Deps;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const workflowSource = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.deps.config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxCachedWorkflows: opts.deps.config.WORKER_MAX_CACHED_WORKFLOWS,
    ...workflowSource,
  });
}
