import { z } from 'zod';
import { deliveryErrorClasses, deliveryStatuses, MAX_STORED_ATTEMPTS, type DeliveryDoc } from '../../core/webhooks/delivery.model';
import type { WebhookSubscriptionDoc } from '../../core/webhooks/webhook-subscription.model';
import { isoDate } from '../http/common-schemas';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export const subscriptionViewSchema = z
  .object({
    id: z.string().meta({ example: 'wh_8Jk2mN4pQ6rS8tU0vW2x' }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    filters: z.object({ urlPatterns: z.array(z.string()).optional() }).nullable(),
    active: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: isoDate.nullable(),
    secretPrefix: z.string().meta({ description: 'Start of the current signing secret; the secret itself is shown only at creation and rotation' }),
    source: z.enum(['api', 'zapier']),
    health: z.object({ failingSince: isoDate.nullable(), consecutiveFailures: z.number().int(), lastSuccessAt: isoDate.nullable() }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'WebhookSubscription' });

export function subscriptionView(doc: WebhookSubscriptionDoc): z.infer<typeof subscriptionViewSchema> {
  const patterns = doc.filters?.urlPatterns;
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events,
    description: doc.description ?? null,
    filters: patterns?.length ? { urlPatterns: patterns } : null,
    active: doc.active,
    disabledReason: doc.disabledReason ?? null,
    disabledAt: iso(doc.disabledAt),
    secretPrefix: doc.secrets[0]?.prefix ?? '',
    source: doc.source,
    health: { failingSince: iso(doc.failingSince), consecutiveFailures: doc.consecutiveFailures, lastSuccessAt: iso(doc.lastSuccessAt) },
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export const attemptViewSchema = z
  .object({
    number: z.number().int(),
    series: z.number().int().meta({ description: 'Starts at 1; increments on every recover, and on every retry of a finished delivery (a retry of one waiting for its next attempt attempts it now, in the same series)' }),
    startedAt: isoDate,
    durationMs: z.number(),
    httpStatus: z.number().int().nullable(),
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
    workflowId: z.string().meta({ description: 'Find it in the Temporal UI' }),
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
