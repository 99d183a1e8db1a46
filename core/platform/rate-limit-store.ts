/** Where per-key rate-limit counters live (written by the API, cleaned by the retention schedule). */
export const RATE_LIMIT_COLLECTION = 'rate_limits';
