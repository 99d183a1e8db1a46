import type { Client } from '@temporalio/client';
import type { Config } from '../core/platform/config';
import type { IngestDispatcher } from '../core/ingest/ingest-dispatcher';
import type { Logger } from '../core/platform/logger';
import type { KeyRateLimiter } from './middleware/rate-limiter';

/** What the HTTP layer needs from the outside world; tests build it against the real stack. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  temporal: Client;
  rateLimiter: KeyRateLimiter;
  /** Hands accepted ingest events to their visitor workflows in the background. */
  dispatcher: IngestDispatcher;
}
