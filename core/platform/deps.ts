import type { Client } from '@temporalio/client';
import type { Config } from './config';
import type { Logger } from './logger';

/**
 * What domain code needs from the process it runs in (API, worker or CLI). Every use-case is
 * called the same way, `verbNoun(deps, input)`; the activities are built from the same deps.
 */
export interface Deps {
  config: Config;
  logger: Logger;
  /** For code that starts or signals workflows (fan-out of emitted events, hand-over to visitors). */
  temporal: Client;
}
