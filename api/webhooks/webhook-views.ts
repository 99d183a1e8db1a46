import { z } from 'zod';
import { deliveryErrorClasses, deliveryStatuses, MAX_STORED_ATTEMPTS, type DeliveryDoc } from '../../core/webhooks/delivery.model';
import type { WebhookSubscriptionDoc } from '../../core/webhooks/webhook-subscription.model';
import { isoDate } from '../http/common-schemas';
import { recentSuccessRate, type EndpointHealth } from '../../core/webhooks/endpoint-health';
import { HEALTH_WINDOW_MS } from '../../core/webhooks/endpoint-health-policy';
import type { EndpointHealthReport } from '../../core/webhooks/get-endpoint-health';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export const endpointHealthSchema = z
  .object({
    failingSince: isoDate.nullable().meta({ description: 'Start of the current run of failed attempts; null after any success' }),
    consecutiveFailures: z.number().int(),
    lastSuccessAt: isoDate.nullable(),
    circuit: z.enum(['closed', 'open']).meta({
      description: '`open` after WEBHOOK_CIRCUIT_FAILURES failed attempts in a row: new and failing deliveries wait (not sent) while the `endpoint-<subscription>` workflow probes the endpoint; once it answers, they go out oldest first',
    }),
    circuitOpenedAt: isoDate.nullable(),
    lastError: z.object({ at: isoDate, httpStatus: z.number().int().nullable(), errorClass: z.string().nullable(), message: z.string().nullable() }).nullable(),
    recent: z
      .object({ succeeded: z.number().int(), failed: z.number().int(), successRate: z.number().nullable().meta({ description: 'Share of attempts that succeeded; null without attempts' }) })
      .meta({ description: `Attempts in the last ${HEALTH_WINDOW_MS / 60_000}–${(2 * HEALTH_WINDOW_MS) / 60_000} minutes` }),
  })
  .meta({ id: 'EndpointHealth' });

export function endpointHealthView(health: EndpointHealth, now = new Date()): z.infer<typeof endpointHealthSchema> {
  const recent = recentSuccessRate(health, now, HEALTH_WINDOW_MS);
  return {
    failingSince: iso(health.failingSince),
    consecutiveFailures: health.consecutiveFailures,
    lastSuccessAt: iso(health.lastSuccessAt),
    circuit: health.circuit,
    circuitOpenedAt: iso(health.circuitOpenedAt),
    lastError: health.lastError ? { ...health.lastError, at: health.lastError.at.toISOString() } : null,
    recent: { succeeded: recent.succeeded, failed: recent.failed, successRate: recent.rate === null ? null : Math.round(recent.rate * 1000) / 1000 },
  };
}

export const subscriptionViewSchema = z
  .object({
    id: z.string().meta({ example: 'wh_8Jk2mN4pQ6rS8tU0vW2x' }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    filters: z.object({ urlPatterns: z.array(z.string()).optional(), segmentIds: z.array(z.string()).optional() }).nullable(),
    active: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: isoDate.nullable(),
    secretPrefix: z.string().meta({ description: 'Start of the current signing secret; the secret itself is shown only at creation and rotation' }),
    source: z.enum(['api', 'zapier']),
    health: endpointHealthSchema,
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'WebhookSubscription' });

export function subscriptionView(doc: WebhookSubscriptionDoc, health: EndpointHealth): z.infer<typeof subscriptionViewSchema> {
  const patterns = doc.filters?.urlPatterns;
  const segmentIds = doc.filters?.segmentIds;
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events,
    description: doc.description ?? null,
    filters: patterns?.length || segmentIds?.length ? { ...(patterns?.length ? { urlPatterns: patterns } : {}), ...(segmentIds?.length ? { segmentIds } : {}) } : null,
    active: doc.active,
    disabledReason: doc.disabledReason ?? null,
    disabledAt: iso(doc.disabledAt),
    secretPrefix: doc.secrets[0]?.prefix ?? '',
    source: doc.source,
    health: endpointHealthView(health),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export const endpointHealthPageSchema = endpointHealthSchema
  .extend({
    deliveries: z.object({
      queued: z.number().int().meta({ description: 'Pending, their first attempt with a dispatch batch' }),
      retrying: z.number().int().meta({ description: 'Pending on their own retry schedule (`delivery-<id>` workflows)' }),
      waiting: z.number().int().meta({ description: 'Pending in the database while the circuit is open' }),
    }),
    probe: z
      .object({
        status: z.enum(['probing', 'draining', 'closed', 'gone']),
        probes: z.number().int(),
        nextProbeAt: isoDate.nullable(),
        lastProbe: z.object({ at: isoDate, ok: z.boolean(), httpStatus: z.number().int().nullable(), errorClass: z.string().nullable() }).nullable(),
        drained: z.number().int(),
      })
      .nullable()
      .meta({ description: 'The `endpoint-<subscription>` workflow while it runs; null otherwise' }),
  })
  .meta({ id: 'EndpointHealthReport' });

export function endpointHealthPageView(report: EndpointHealthReport): z.infer<typeof endpointHealthPageSchema> {
  const { probe } = report;
  return {
    ...endpointHealthView(report.health),
    deliveries: { queued: report.pending.batch, retrying: report.pending.workflow, waiting: report.pending.waiting },
    probe: probe ? { status: probe.status, probes: probe.probes, nextProbeAt: probe.nextProbeAt, lastProbe: probe.lastProbe, drained: probe.drained } : null,
  };
}

export const attemptViewSchema = z
  .object({
    number: z.number().int(),
    series: z.number().int().meta({ description: 'Starts at 1; increments on every recover, and on every retry of a finished delivery (a retry of one waiting for its next attempt attempts it now, in the same series)' }),
    startedAt: isoDate,
    durationMs: z.number(),
    httpStatus: z.number().int().nullable(),
    requestHeaders: z.record(z.string(), z.string()).meta({ description: 'The headers sent (Standard Webhooks id, timestamp and signature among them); empty for attempts recorded before they were kept' }),
    responseHeaders: z.record(z.string(), z.string()),
    responseBody: z.string().meta({ description: 'First 4 KB of the response body' }),
    errorClass: z.enum(deliveryErrorClasses).nullable(),
    errorMessage: z.string().nullable(),
  })
  .meta({ id: 'DeliveryAttempt' });

export const deliveryViewSchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    subscriptionId: z.string(),
    url: z.string(),
    status: z.enum(deliveryStatuses),
    statusReason: z.string().nullable(),
    series: z.number().int(),
    attemptCount: z.number().int().meta({ description: `Attempts stored (at most ${MAX_STORED_ATTEMPTS}, the most recent)` }),
    nextAttemptAt: isoDate.nullable(),
    lastAttemptAt: isoDate.nullable(),
    completedAt: isoDate.nullable(),
    replayId: z.string().nullable().meta({ description: 'Set when the delivery comes from a replay of its event (POST /events/:id/replay)' }),
    workflowId: z.string().meta({ description: 'The `delivery-<id>` workflow that retries it; it exists in the Temporal UI only once a first attempt (sent in a batch) has failed, or after a retry or recover' }),
    createdAt: isoDate,
  })
  .meta({ id: 'Delivery' });

export const deliveryWithAttemptsSchema = deliveryViewSchema
  .extend({ attempts: z.array(attemptViewSchema).meta({ description: `Oldest first; the ${MAX_STORED_ATTEMPTS} most recent are kept` }) })
  .meta({ id: 'DeliveryWithAttempts' });

export function deliveryView(doc: DeliveryDoc): z.infer<typeof deliveryViewSchema> {
  return {
    id: doc._id,
    eventId: doc.eventId,
    eventType: doc.eventType,
    subscriptionId: doc.subscriptionId,
    url: doc.url,
    status: doc.status,
    statusReason: doc.statusReason ?? null,
    series: doc.series,
    attemptCount: doc.attempts.length,
    nextAttemptAt: iso(doc.nextAttemptAt),
    lastAttemptAt: iso(doc.lastAttemptAt),
    completedAt: iso(doc.completedAt),
    replayId: doc.replayId ?? null,
    workflowId: doc.workflowId,
    createdAt: doc.createdAt.toISOString(),
  };
}

export function deliveryWithAttemptsView(doc: DeliveryDoc): z.infer<typeof deliveryWithAttemptsSchema> {
  return {
    ...deliveryView(doc),
    attempts: doc.attempts.map((a) => ({
      number: a.number,
      series: a.series,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.durationMs,
      httpStatus: a.httpStatus ?? null,
      requestHeaders: (a.requestHeaders ?? {}) as Record<string, string>,
      responseHeaders: (a.responseHeaders ?? {}) as Record<string, string>,
      responseBody: a.responseBody ?? '',
      errorClass: a.errorClass ?? null,
      errorMessage: a.errorMessage ?? null,
    })),
  };
}

export const recoveryViewSchema = z
  .object({
    id: z.string().meta({ description: 'The recovery workflow (`recover-<subscription>-…`); find it in the Temporal UI', example: 'recover-wh_8Jk2mN4pQ6rS8tU0vW2x-k3x9q2mz' }),
    status: z.enum(['running', 'completed', 'failed']),
    found: z.number().int().meta({ description: 'Deliveries not delivered that the recovery has reached so far' }),
    recovered: z.number().int().meta({ description: 'Of those, re-delivered in a new attempt series (the others had succeeded meanwhile)' }),
    startedAt: isoDate,
    finishedAt: isoDate.nullable(),
  })
  .meta({ id: 'DeliveryRecovery' });
