/**
 * An endpoint's (subscription's) health and circuit breaker, as a pure decision: given the
 * health as stored and one attempt's outcome, the health after it and what to do about it.
 * Shared by first attempts in batches, retrying deliveries and the endpoint's probes.
 */

export interface EndpointError {
  at: Date;
  httpStatus: number | null;
  errorClass: string | null;
  message: string | null;
}

export interface EndpointHealth {
  /** The start of the current run of failures (null after any success). */
  failingSince: Date | null;
  consecutiveFailures: number;
  lastSuccessAt: Date | null;
  lastError: EndpointError | null;
  /** `open`: the endpoint is down; deliveries wait in the database while its workflow probes it. */
  circuit: 'closed' | 'open';
  circuitOpenedAt: Date | null;
  /** Outcomes counted in fixed windows (the current one and the one before), for the recent success rate. */
  windowStartedAt: Date;
  windowSucceeded: number;
  windowFailed: number;
  previousSucceeded: number;
  previousFailed: number;
}

export interface HealthPolicy {
  /** Consecutive failed attempts that open the circuit. */
  circuitFailures: number;
  /** Length of one counting window of the recent success rate. */
  windowMs: number;
  /** Auto-disable: failing for at least this long… */
  autoDisableAfterMs: number;
  /** …and at least this many failed attempts in a row. */
  autoDisableMinFailures: number;
}

export type AttemptOutcome = { ok: true; at: Date } | { ok: false; at: Date; httpStatus: number | null; errorClass: string | null; message: string | null };

export interface HealthDecision {
  health: EndpointHealth;
  /** This outcome opened the circuit (it was closed). */
  opened: boolean;
  /** This outcome closed the circuit (it was open). */
  closed: boolean;
  /** Set when the endpoint has failed long and often enough to be disabled: the reason. */
  disable: string | null;
}

export function initialHealth(now: Date): EndpointHealth {
  return {
    failingSince: null,
    consecutiveFailures: 0,
    lastSuccessAt: null,
    lastError: null,
    circuit: 'closed',
    circuitOpenedAt: null,
    windowStartedAt: now,
    windowSucceeded: 0,
    windowFailed: 0,
    previousSucceeded: 0,
    previousFailed: 0,
  };
}

export function recordOutcome(before: EndpointHealth, outcome: AttemptOutcome, policy: HealthPolicy): HealthDecision {
  const health = rollWindow(before, outcome.at, policy.windowMs);
  if (outcome.ok) {
    const closed = health.circuit === 'open';
    return {
      health: { ...health, failingSince: null, consecutiveFailures: 0, lastSuccessAt: outcome.at, circuit: 'closed', circuitOpenedAt: null, windowSucceeded: health.windowSucceeded + 1 },
      opened: false,
      closed,
      disable: null,
    };
  }
  const failingSince = health.failingSince ?? outcome.at;
  const consecutiveFailures = health.consecutiveFailures + 1;
  const opens = health.circuit === 'closed' && consecutiveFailures >= policy.circuitFailures;
  const after: EndpointHealth = {
    ...health,
    failingSince,
    consecutiveFailures,
    lastError: { at: outcome.at, httpStatus: outcome.httpStatus, errorClass: outcome.errorClass, message: outcome.message },
    circuit: opens ? 'open' : health.circuit,
    circuitOpenedAt: opens ? outcome.at : health.circuitOpenedAt,
    windowFailed: health.windowFailed + 1,
  };
  const failingFor = outcome.at.getTime() - failingSince.getTime();
  const disable =
    failingFor >= policy.autoDisableAfterMs && consecutiveFailures >= policy.autoDisableMinFailures
      ? `Every delivery failed since ${failingSince.toISOString()} (${consecutiveFailures} failed attempts)`
      : null;
  return { health: after, opened: opens, closed: false, disable };
}

/** Share of successful attempts over the current and the previous window; null when there were none. */
export function recentSuccessRate(health: EndpointHealth, now: Date, windowMs: number): { succeeded: number; failed: number; rate: number | null } {
  const rolled = rollWindow(health, now, windowMs);
  const succeeded = rolled.windowSucceeded + rolled.previousSucceeded;
  const failed = rolled.windowFailed + rolled.previousFailed;
  return { succeeded, failed, rate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null };
}

function rollWindow(health: EndpointHealth, now: Date, windowMs: number): EndpointHealth {
  const elapsed = now.getTime() - health.windowStartedAt.getTime();
  if (elapsed < windowMs) return health;
  const oneWindowLater = elapsed < 2 * windowMs;
  return {
    ...health,
    windowStartedAt: new Date(now.getTime() - (elapsed % windowMs)),
    windowSucceeded: 0,
    windowFailed: 0,
    previousSucceeded: oneWindowLater ? health.windowSucceeded : 0,
    previousFailed: oneWindowLater ? health.windowFailed : 0,
  };
}
