import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError, type FieldErrors } from '../../core/platform/errors';
import { batchEnvelopeSchema, eventDataSchema, identifyDataSchema, ingestEnvelopeSchema, ingestTypes, pageviewDataSchema, revenueDataSchema, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_USER_AGENT_LENGTH } from '../../core/ingest/ingest-schemas';
import { acceptIngestEvents, prepareIngestEvent, type IngestCaller } from '../../core/ingest/accept-ingest-events';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';

const acceptedSchema = z.object({ success: z.literal(true), id: z.string(), duplicate: z.boolean().optional().meta({ description: 'true when this messageId was accepted before; it is processed once' }) });

const itemResultSchema = z.object({
  index: z.number().int(),
  status: z.enum(['accepted', 'duplicate', 'rejected', 'failed']).meta({ description: '`rejected`: invalid (see `details`); `failed`: valid but not stored (a storage error): send it again' }),
  id: z.string().optional(),
  error: z.string().optional(),
  code: z.string().optional(),
  details: z.record(z.string(), z.array(z.string())).optional(),
});

const batchResultSchema = z.object({
  success: z.boolean().meta({ description: 'true when at least one event was accepted or was a duplicate' }),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  failed: z.number().int().meta({ description: 'Valid events the database did not store; safe to send again (with their messageId)' }),
  results: z.array(itemResultSchema),
});

function callerOf(req: Request, res: Response): IngestCaller {
  const { workspace, key } = authOf(res);
  // Stored on the visitor: bounded like the body's user_agent.
  const userAgent = req.headers['user-agent']?.slice(0, MAX_USER_AGENT_LENGTH) || null;
  return { workspaceId: workspace._id, keyKind: key.kind, ip: req.ip ?? null, userAgent, receivedAt: Date.now(), identitySecret: workspace.identitySecret ?? null };
}

function bodySize(req: Request): number {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > 0 ? declared : JSON.stringify(req.body ?? null).length;
}

/**
 * The `data` schema of each ingest type, as named components of the OpenAPI document (the envelope
 * validates `data` as an object, then by its type): the server SDK's types are generated from them.
 */
export function registerIngestDataSchemas(registry: OpenAPIRegistry): void {
  const schemas = { PageviewData: pageviewDataSchema, EventData: eventDataSchema, IdentifyData: identifyDataSchema, RevenueData: revenueDataSchema };
  for (const [name, schema] of Object.entries(schemas)) {
    // What a client sends (the input side of transforms such as lower-casing emails).
    const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    registry.registerComponent('schemas', name, jsonSchema as never);
  }
}

export function registerIngestRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'post',
    path: '/ingest',
    summary: 'Ingest one event',
    description:
      'Pulsora-compatible: `{ "type": "pageview" | "event" | "identify" | "revenue", "data": {…} }`. Answers 202 once the event is durably stored; it is applied to its visitor asynchronously and in order. ' +
      'Publishable keys (browsers, CORS open) may not send `revenue`. A repeated `messageId` is answered 202 with `duplicate: true` and processed once. At most 32 KB per event.',
    tags: ['Ingest'],
    auth: 'ingest',
    body: ingestEnvelopeSchema.meta({ description: `One of: ${ingestTypes.join(', ')}; see the data schemas in the ingest guide` }),
    responses: {
      202: { description: 'Stored; will be processed', schema: acceptedSchema },
      403: { description: 'Revenue with a publishable key, or a key without the ingest scope' },
      413: { description: 'Event larger than 32 KB' },
    },
    handler: async ({ req, res }) => {
      if (bodySize(req) > MAX_EVENT_BYTES) throw new AppError('payload_too_large', `An event may be at most ${MAX_EVENT_BYTES / 1024} KB`);
      const prepared = prepareIngestEvent(req.body, callerOf(req, res));
      if (!prepared.ok) throw prepared.error;
      const [outcome] = await acceptIngestEvents(deps, [prepared.event]);
      const duplicate = outcome === 'duplicate';
      return { status: 202, body: { success: true, id: prepared.event.id, ...(duplicate ? { duplicate: true } : {}) } };
    },
  });

  api.route({
    method: 'post',
    path: '/ingest/batch',
    summary: 'Ingest up to 500 events',
    description:
      '`{ "events": [ {type, data, messageId?, sentAt?}, … ], "sentAt"? }`, at most 500 events and 500 KB. Each event is validated on its own: the answer lists per index whether it was accepted, a duplicate, or rejected with the reason. ' +
      '202 when at least one event was accepted (or was a duplicate), 400 when every event was rejected.',
    tags: ['Ingest'],
    auth: 'ingest',
    body: batchEnvelopeSchema,
    responses: { 202: { description: 'Per-event results', schema: batchResultSchema }, 400: { description: 'Every event was rejected (same body) or the batch itself is malformed' }, 503: { description: 'No event was stored because of storage errors (same body): send them again' }, 413: { description: 'Batch over 500 KB' } },
    handler: async ({ req, res, body }) => {
      if (bodySize(req) > MAX_BATCH_BYTES) throw new AppError('payload_too_large', `A batch may be at most ${MAX_BATCH_BYTES / 1024} KB and ${MAX_BATCH_EVENTS} events`);
      const caller = callerOf(req, res);
      const prepared = body.events.map((raw) => prepareIngestEvent(raw, caller, body.sentAt));
      const events = prepared.flatMap((p) => (p.ok ? [p.event] : []));
      const outcome = await acceptIngestEvents(deps, events);
      let next = 0;
      const results = prepared.map((p, index) => {
        if (!p.ok) return { index, status: 'rejected' as const, ...rejection(p.error) };
        const status = outcome[next++];
        return { index, status, id: p.event.id, ...(status === 'failed' ? { error: 'The event could not be stored; send it again', code: 'storage_failed' } : {}) };
      });
      const count = (status: string) => results.filter((r) => r.status === status).length;
      const summary = { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), failed: count('failed') };
      const success = summary.accepted + summary.duplicates > 0;
      // Nothing accepted: the client's fault (400) unless valid events failed to be stored (503).
      return { status: success ? 202 : summary.failed > 0 ? 503 : 400, body: { success, ...summary, results } };
    },
  });
}

function rejection(error: AppError): { error: string; code: string; details?: FieldErrors } {
  return { error: error.message, code: error.code, ...(error.details ? { details: error.details } : {}) };
}
