import type { Config } from '../platform/config';
import type { HealthPolicy } from './endpoint-health';

/** Windows of an endpoint's recent success rate. */
export const HEALTH_WINDOW_MS = 5 * 60_000;

export function healthPolicy(config: Pick<Config, 'WEBHOOK_CIRCUIT_FAILURES' | 'WEBHOOK_AUTO_DISABLE_AFTER' | 'WEBHOOK_AUTO_DISABLE_MIN_FAILURES'>): HealthPolicy {
  return {
    circuitFailures: config.WEBHOOK_CIRCUIT_FAILURES,
    windowMs: HEALTH_WINDOW_MS,
    autoDisableAfterMs: config.WEBHOOK_AUTO_DISABLE_AFTER,
    autoDisableMinFailures: config.WEBHOOK_AUTO_DISABLE_MIN_FAILURES,
  };
}
