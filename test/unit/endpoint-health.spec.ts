import fc from 'fast-check';
import { initialHealth, recentSuccessRate, recordOutcome, type AttemptOutcome, type EndpointHealth, type HealthDecision, type HealthPolicy } from '../../core/webhooks/endpoint-health';

/** Applies outcomes in order; `opened`/`closed`/`disable` tell whether any of them did. */
function recordOutcomes(before: EndpointHealth, outcomes: AttemptOutcome[], policy: HealthPolicy): HealthDecision {
  let decision: HealthDecision = { health: before, opened: false, closed: false, disable: null };
  for (const outcome of outcomes) {
    const next = recordOutcome(decision.health, outcome, policy);
    decision = { health: next.health, opened: decision.opened || next.opened, closed: decision.closed || next.closed, disable: next.disable ?? decision.disable };
  }
  return decision;
}

const T0 = new Date('2026-11-29T12:00:00Z');
const policy: HealthPolicy = { circuitFailures: 5, windowMs: 60_000, autoDisableAfterMs: 3_600_000, autoDisableMinFailures: 10 };
const at = (ms: number) => new Date(T0.getTime() + ms);
const ok = (ms = 0): AttemptOutcome => ({ ok: true, at: at(ms) });
const fail = (ms = 0, httpStatus: number | null = 503): AttemptOutcome => ({ ok: false, at: at(ms), httpStatus, errorClass: httpStatus ? 'http_status' : 'connection_refused', message: null });

/** Outcomes at non-decreasing times (attempts finish in order as the recorder sees them). */
const outcomes = fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 120_000 })), { maxLength: 60 }).map((steps) => {
  let t = 0;
  return steps.map(([success, gap]) => {
    t += gap;
    return success ? ok(t) : fail(t);
  });
});

describe('endpoint health and circuit breaker', () => {
  it('opens the circuit on the Nth consecutive failure, once', () => {
    let health = initialHealth(T0);
    const opened: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const d = recordOutcome(health, fail(i), policy);
      if (d.opened) opened.push(i);
      health = d.health;
    }
    expect(opened).toEqual([5]);
    expect(health).toMatchObject({ circuit: 'open', circuitOpenedAt: at(5), consecutiveFailures: 8, failingSince: at(1) });
    expect(health.lastError).toEqual({ at: at(8), httpStatus: 503, errorClass: 'http_status', message: null });
  });

  it('a success closes the circuit and clears the run of failures', () => {
    const open = recordOutcomes(initialHealth(T0), [1, 2, 3, 4, 5].map((i) => fail(i)), policy);
    expect(open.opened).toBe(true);
    const d = recordOutcome(open.health, ok(6), policy);
    expect(d).toMatchObject({ closed: true, opened: false, disable: null });
    expect(d.health).toMatchObject({ circuit: 'closed', circuitOpenedAt: null, failingSince: null, consecutiveFailures: 0, lastSuccessAt: at(6) });
  });

  it('re-opens at once after a half-open close (failure count kept) and a single failure', () => {
    const open = recordOutcomes(initialHealth(T0), [1, 2, 3, 4, 5].map((i) => fail(i)), policy).health;
    const halfOpen = { ...open, circuit: 'closed' as const, circuitOpenedAt: null };
    expect(recordOutcome(halfOpen, fail(10), policy)).toMatchObject({ opened: true, health: { circuit: 'open', consecutiveFailures: 6 } });
  });

  it('asks to disable only when failing long enough and often enough', () => {
    const hour = policy.autoDisableAfterMs;
    const nineOverTwoHours = recordOutcomes(initialHealth(T0), Array.from({ length: 9 }, (_, i) => fail(i * (2 * hour) / 8)), policy);
    expect(nineOverTwoHours.disable).toBeNull(); // long, but only 9 failures
    const tenQuickly = recordOutcomes(initialHealth(T0), Array.from({ length: 10 }, (_, i) => fail(i)), policy);
    expect(tenQuickly.disable).toBeNull(); // often, but not for an hour
    const tenOverAnHour = recordOutcomes(initialHealth(T0), Array.from({ length: 10 }, (_, i) => fail((i * hour) / 9)), policy);
    expect(tenOverAnHour.disable).toMatch(/^Every delivery failed since 2026-11-29T12:00:00.000Z \(10 failed attempts\)$/);
  });

  it('agrees with a direct count of the trailing failures, whatever the sequence', () => {
    fc.assert(
      fc.property(outcomes, (list) => {
        const { health } = recordOutcomes(initialHealth(T0), list, policy);
        const lastSuccess = list.map((o) => o.ok).lastIndexOf(true);
        const trailing = list.length - 1 - lastSuccess;
        expect(health.consecutiveFailures).toBe(trailing);
        expect(health.failingSince).toEqual(trailing > 0 ? list[lastSuccess + 1].at : null);
        // Open exactly when the trailing run reached the threshold (nothing closes it but a success).
        expect(health.circuit).toBe(trailing >= policy.circuitFailures ? 'open' : 'closed');
        if (lastSuccess >= 0) expect(health.lastSuccessAt).toEqual(list[lastSuccess].at);
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts each outcome in the recent success rate while it is within two windows', () => {
    fc.assert(
      fc.property(outcomes, fc.nat({ max: 200_000 }), (list, extra) => {
        const { health } = recordOutcomes(initialHealth(T0), list, policy);
        const end = list.length ? list[list.length - 1].at.getTime() : T0.getTime();
        const now = new Date(end + extra);
        const recent = recentSuccessRate(health, now, policy.windowMs);
        // Every outcome in the last window is counted, none older than two windows is.
        const within = (ms: number) => list.filter((o) => now.getTime() - o.at.getTime() < ms);
        expect(recent.succeeded + recent.failed).toBeGreaterThanOrEqual(within(policy.windowMs).length);
        expect(recent.succeeded).toBeGreaterThanOrEqual(within(policy.windowMs).filter((o) => o.ok).length);
        expect(recent.succeeded + recent.failed).toBeLessThanOrEqual(within(2 * policy.windowMs + 1).length);
        expect(recent.succeeded).toBeLessThanOrEqual(within(2 * policy.windowMs + 1).filter((o) => o.ok).length);
        if (recent.rate !== null) expect(recent.rate).toBeCloseTo(recent.succeeded / (recent.succeeded + recent.failed));
        else expect(recent.succeeded + recent.failed).toBe(0);
      }),
      { numRuns: 2_000 },
    );
  });
});
