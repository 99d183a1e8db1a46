/**
 * Deterministic ids: the same fingerprint, message, order or domain always maps to the same
 * document, so repeated or concurrent writes collide on the unique `_id` instead of duplicating.
 */
import { createHash } from 'node:crypto';
import { newId } from '../platform/ids';

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}

/** `key` is `fp:<visitor_fingerprint>`, `customer:<customer_id>` or `email:<lower-case email>`. */
export function visitorIdFor(workspaceId: string, key: string): string {
  return `vis_${digest(workspaceId, key)}`;
}

export function ingestEventIdFor(workspaceId: string, messageId: string): string {
  return `ing_${digest(workspaceId, 'message', messageId)}`;
}

export function newIngestEventId(): string {
  return newId('ing', 24);
}

export function leadIdFor(visitorId: string): string {
  return `lead_${visitorId.replace(/^vis_/, '')}`;
}

export function orderIdFor(workspaceId: string, orderId: string): string {
  return `ord_${digest(workspaceId, orderId)}`;
}

export function companyIdFor(workspaceId: string, domain: string): string {
  return `cmp_${digest(workspaceId, domain)}`;
}

/** Id of an outgoing event caused by an ingest event, so emitting it again is a no-op. */
export function emittedEventIdFor(cause: string, eventType: string): string {
  return `evt_${digest(cause, eventType)}`;
}

export function identityIdFor(workspaceId: string, kind: 'email' | 'customer', value: string): string {
  return `${workspaceId}~${kind}~${kind === 'email' ? value.toLowerCase() : value}`;
}
