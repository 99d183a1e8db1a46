import pino, { type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

export type RuntimeEnv = 'development' | 'production' | 'test';

export interface LogFormat {
  /** Human-readable lines (pino-pretty) rather than one JSON object a line. */
  pretty: boolean;
  /** The level of a request's log line when it succeeded (or failed on the client's side). */
  requestLevel: Extract<Level, 'debug' | 'info'>;
}

/**
 * How `./scripts/dev` logs: readable lines on a terminal, JSON whenever stdout is not one (CI,
 * docker, pipes). In development the per-request lines drop to `debug`, so at the default level
 * the banner and real problems stay visible; elsewhere they stay at `info`.
 */
export function logFormatFor({ isTTY, env }: { isTTY: boolean | undefined; env: RuntimeEnv }): LogFormat {
  return { pretty: isTTY === true, requestLevel: env === 'development' ? 'debug' : 'info' };
}

/** pino-http's level for one request: errors and 5xx keep `info` (as before) whatever the environment. */
export function requestLogLevel(env: RuntimeEnv, statusCode: number, err?: unknown): Level {
  if (err || statusCode >= 500) return 'info';
  return logFormatFor({ isTTY: false, env }).requestLevel;
}

export function createLogger(level: string, name: string, options: { pretty?: boolean } = {}): Logger {
  const opts = {
    name,
    level,
    serializers: { err: serializeError },
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!options.pretty) return pino(opts);
  // In-process and synchronous (no transport worker thread): lines appear in order with the banner.
  return pino(opts, pretty({ sync: true, colorize: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' }));
}

export type { Logger };
