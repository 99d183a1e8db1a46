import type { Client } from '@temporalio/client';
import type { Config } from '../core/platform/config';
import type { Logger } from '../core/platform/logger';

/** What activities need from the worker process. */
export interface ActivityDeps {
  config: Config;
  logger: Logger;
  /** For activities that start workflows (fan-out of events they emit). */
  temporal: Client;
}
