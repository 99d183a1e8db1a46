/** Bounds for honouring a receiver's Retry-After (429/503): never sooner than planned, at most 6 h. */
export const MAX_RETRY_AFTER_MS = 6 * 60 * 60 * 1000;

/** The delay before the next attempt: the planned one, stretched by Retry-After when asked. */
export function nextDelayMs(plannedMs: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined) return plannedMs;
  return Math.max(plannedMs, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** ± `fraction` uniform jitter; `random` is injected so workflows pass their deterministic one. */
export function withJitter(delayMs: number, fraction: number, random: () => number): number {
  if (delayMs <= 0 || fraction <= 0) return delayMs;
  return Math.round(delayMs * (1 - fraction + 2 * fraction * random()));
}
