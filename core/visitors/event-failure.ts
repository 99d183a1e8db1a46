/**
 * The failure type the visitor pipeline's activity reports when an event failed for a reason of
 * its own (bad data, a CPU budget run over) on every attempt. Outages are never reported this
 * way: they are retried until the database or Temporal is back. Pure: workflows import it.
 */
export const EVENT_FAILED = 'VisitorEventFailed';

/** Attempts of one batch before its failure counts as the event's and not a passing one. */
export const ATTEMPTS_BEFORE_PARKING = 3;
