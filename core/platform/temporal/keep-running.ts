import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Deps } from '../deps';

/** How often a process re-checks that a long-running workflow it hands work to is running (one start call each). */
export const RUNNING_CHECK_INTERVAL_MS = 60_000;

/**
 * Keeps a process's long-running workflows (one per partition) running: starts one unless this
 * process checked it within RUNNING_CHECK_INTERVAL_MS, so a hand-over through the database costs
 * Temporal one start call per partition per interval. An operator who terminates one gets it back
 * at the next check of any process.
 */
export class KeepRunning {
  private readonly checkedAt = new Map<number, number>();
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(
    private readonly start: (partition: number) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The partition's workflow was ended here: the next ensureRunning starts it again. */
  forget(partition: number): void {
    this.checkedAt.delete(partition);
  }

  ensureRunning(partition: number): Promise<void> {
    const checked = this.checkedAt.get(partition);
    if (checked !== undefined && this.now() - checked < RUNNING_CHECK_INTERVAL_MS) return Promise.resolve();
    const pending = this.inFlight.get(partition);
    if (pending) return pending;
    const start = this.start(partition)
      .then(() => void this.checkedAt.set(partition, this.now()))
      .finally(() => this.inFlight.delete(partition));
    this.inFlight.set(partition, start);
    return start;
  }
}

/** Runs a workflow start; one already running with that id is what we wanted. */
export async function startUnlessRunning(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** One instance per Temporal client of the deps it is made with (so per process, and per test stack). */
export function perClient<T extends object>(create: (deps: Deps) => T): (deps: Deps) => T {
  const instances = new WeakMap<Client, T>();
  return (deps) => {
    let instance = instances.get(deps.temporal);
    if (!instance) {
      instance = create(deps);
      instances.set(deps.temporal, instance);
    }
    return instance;
  };
}
