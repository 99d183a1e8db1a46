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

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
