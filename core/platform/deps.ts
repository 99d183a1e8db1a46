import type { Client } from '@temporalio/client';
import type { Config } from './config';
import type { Logger } from './logger';

/** What domain code needs from the process it runs in (API, worker or CLI). */
export interface Deps {
  config: Config;
  logger: Logger;
  temporal: Client;
}
