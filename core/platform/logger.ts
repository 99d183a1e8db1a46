import pino, { type Logger } from 'pino';

/**
 * Paths never written to logs: credentials in headers and any field that carries a key,
 * a secret or a signature, wherever it sits in a logged object.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-api-token"]',
  'req.headers["x-admin-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.apiKey',
  '*.key',
  '*.token',
  '*.signature',
  '*.signingSecret',
  'secret',
  'token',
  'signature',
];

/** Longest string kept from a logged error: database errors quote whole documents in their message. */
const MAX_ERROR_TEXT = 1000;
/** Fields of driver errors that carry the documents involved (event payloads, emails, IPs). */
const payloadFields = ['op', 'writeErrors', 'keyValue', 'keyPattern', 'errorResponse', 'result', 'insertedIds', 'writeConcernError', 'document', 'errInfo'];

/** pino's error serializer, minus what would copy stored data into logs. */
export function serializeError(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  if (!serialized || typeof serialized !== 'object') return serialized;
  const out: Record<string, unknown> = { ...(serialized as Record<string, unknown>) };
  for (const field of payloadFields) if (field in out) out[field] = '[omitted]';
  for (const [field, value] of Object.entries(out)) if (typeof value === 'string' && value.length > MAX_ERROR_TEXT) out[field] = `${value.slice(0, MAX_ERROR_TEXT)}… [${value.length - MAX_ERROR_TEXT} more characters]`;
  return out;
}

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    serializers: { err: serializeError },
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
