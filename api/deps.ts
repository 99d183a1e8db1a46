import type { IngestDispatcher } from '../core/ingest/ingest-dispatcher';
import type { Deps } from '../core/platform/deps';
import type { KeyRateLimiter } from './middleware/rate-limiter';

/** What the HTTP layer needs from the outside world: the use-cases' deps plus its own; tests build it against the real stack. */
export interface ApiDeps extends Deps {
  rateLimiter: KeyRateLimiter;
  /** Hands accepted ingest events to their visitor workflows in the background. */
  dispatcher: IngestDispatcher;
}
