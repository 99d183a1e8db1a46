import type { ApiKeyKind } from '../workspaces/api-keys';
import { identityHashInput, isValidIdentityHash } from '../workspaces/identity-verification';
import { AppError, fieldErrors } from '../platform/errors';
import type { Deps } from '../platform/deps';
import type { IngestDispatcher } from './ingest-dispatcher';
import { correctedTimestamp, ingestDataSchemas, ingestEnvelopeSchema, MAX_EVENT_BYTES, visitorKeyOf, type IngestType } from './ingest-schemas';
import { ingestRepository } from './ingest.repository';
import { ingestEventIdFor, newIngestEventId, visitorIdFor } from '../visitors/visitor-ids';
import type { VisitorEvent } from '../visitors/visitor-types';

export interface IngestCaller {
  workspaceId: string;
  keyKind: ApiKeyKind;
  ip: string | null;
  userAgent: string | null;
  receivedAt: number;
  /** The workspace's identity-verification secret (checks `user_hash` on publishable-key identifies). */
  identitySecret?: string | null;
}

/** Ingest use-cases hand accepted events to the API process's dispatcher as well. */
export interface IngestDeps extends Deps {
  dispatcher: IngestDispatcher;
}

export type Prepared = { ok: true; event: VisitorEvent } | { ok: false; error: AppError };
/** `failed`: valid, but the database refused to store it (not accepted: the client may retry it). */
export type Acceptance = 'accepted' | 'duplicate' | 'failed';

/**
 * Validates one `{ type, data, messageId?, sentAt? }` and turns it into a visitor event: its id
 * (from messageId when given, so a repeat keeps it), its visitor, and a timestamp corrected for
 * the client's clock. Never throws for bad input; the error is returned for per-item results.
 */
export function prepareIngestEvent(raw: unknown, caller: IngestCaller, batchSentAt?: number): Prepared {
  if (Buffer.byteLength(JSON.stringify(raw ?? null)) > MAX_EVENT_BYTES) return fail(new AppError('payload_too_large', `An event may be at most ${MAX_EVENT_BYTES / 1024} KB`));
  const envelope = ingestEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return fail(AppError.validation(fieldErrors(envelope.error.issues)));
  const { type, messageId } = envelope.data;
  if (type === 'revenue' && caller.keyKind !== 'secret') return fail(new AppError('forbidden', 'Revenue events require a secret key'));
  const parsed = ingestDataSchemas[type].safeParse(envelope.data.data);
  if (!parsed.success) return fail(AppError.validation(fieldErrors(parsed.error.issues, 'data')));
  const { ip, user_agent: userAgent, user_hash: userHash, ...data } = parsed.data as Record<string, unknown> & { ip?: string; user_agent?: string; user_hash?: string; timestamp?: number };
  const verification = type === 'identify' ? verifyIdentity(caller, data, userHash) : 'verified';
  if (verification === 'mismatch') return fail(AppError.validation({ 'data.user_hash': ['does not match: compute it on your server as hex HMAC-SHA256 of the email (else customer_id) with the identity secret'] }));
  const key = visitorKeyOf(data as Parameters<typeof visitorKeyOf>[0]);
  // Server-side senders relay the browser's IP and user agent; a browser cannot choose them.
  const trusted = caller.keyKind === 'secret';
  return {
    ok: true,
    event: {
      id: messageId ? ingestEventIdFor(caller.workspaceId, messageId) : newIngestEventId(),
      workspaceId: caller.workspaceId,
      visitorId: visitorIdFor(caller.workspaceId, key),
      key,
      type: type satisfies IngestType,
      timestamp: correctedTimestamp(data.timestamp, envelope.data.sentAt ?? batchSentAt, caller.receivedAt),
      receivedAt: caller.receivedAt,
      messageId: messageId ?? null,
      context: { ip: (trusted && ip) || caller.ip, userAgent: (trusted && userAgent) || caller.userAgent },
      data,
      ...(verification === 'unverified' ? { unverified: true as const } : {}),
    },
  };
}

/** Secret keys are trusted; a publishable key's identify is verified only by a valid user_hash. */
function verifyIdentity(caller: IngestCaller, data: Record<string, unknown>, userHash: string | undefined): 'verified' | 'unverified' | 'mismatch' {
  if (caller.keyKind === 'secret') return 'verified';
  if (userHash === undefined) return 'unverified';
  const input = identityHashInput(data as { email?: string; customer_id?: string });
  return caller.identitySecret && input && isValidIdentityHash(caller.identitySecret, input, userHash) ? 'verified' : 'mismatch';
}

function fail(error: AppError): Prepared {
  return { ok: false, error };
}

/**
 * Writes accepted events to the ingest outbox (one round trip for a batch) and hands them to the
 * dispatcher. A messageId seen before — waiting in the outbox, already applied (kept
 * RETENTION_MAX_AGE ≥ 24 h), or earlier in the same batch — is a duplicate and not stored again.
 */
export async function acceptIngestEvents(deps: IngestDeps, events: VisitorEvent[]): Promise<Acceptance[]> {
  const processed = await Promise.all(events.map((e) => (e.messageId ? ingestRepository.isProcessed(e.id) : false)));
  const seen = new Set<string>();
  const outcome: Acceptance[] = events.map((event, i) => {
    const repeat = processed[i] || seen.has(event.id);
    seen.add(event.id);
    return repeat ? 'duplicate' : 'accepted';
  });
  const fresh = events.filter((_, i) => outcome[i] === 'accepted');
  const { duplicates, failed } =
    fresh.length === 1 ? { duplicates: (await ingestRepository.addToOutbox(fresh[0])) ? new Set<string>() : new Set([fresh[0].id]), failed: new Map<string, string>() } : await ingestRepository.addManyToOutbox(fresh);
  events.forEach((event, i) => {
    if (outcome[i] !== 'accepted') return;
    if (duplicates.has(event.id)) outcome[i] = 'duplicate';
    else if (failed.has(event.id)) outcome[i] = 'failed';
  });
  deps.dispatcher.enqueue(fresh.filter((e) => !duplicates.has(e.id) && !failed.has(e.id)));
  return outcome;
}
