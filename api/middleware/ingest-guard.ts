import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { isWellFormedApiKey } from '../../core/workspaces/api-keys';
import type { Config } from '../../core/platform/config';
import { AppError } from '../../core/platform/errors';
import { findIngestCredential } from '../../core/ingest/ingest-key-cache';
import { keyAllows } from '../../core/workspaces/scopes';
import type { AuthContext } from '../http/auth-context';
import { clientIpBucket } from '../http/client-ip-bucket';
import type { AuthFailureLimiter } from './auth-failure-limiter';
import { extractApiKey } from './extract-api-key';

/** The key of an ingest call: the usual headers, else `token` in the body (Pulsora; sendBeacon cannot set headers). */
function ingestToken(req: Request): string | undefined {
  const fromHeaders = extractApiKey(req);
  if (fromHeaders) return fromHeaders;
  const body: unknown = req.body;
  const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/**
 * Authentication and limits for ingest, with no database round trip on the hot path: keys come
 * from a short per-process cache and the limits are counted in memory — per key
 * (INGEST_RATE_LIMIT_PER_MINUTE) and, for publishable (browser) keys, per client IP
 * (INGEST_IP_RATE_LIMIT_PER_HOUR, Pulsora's 2,000/h; IPv6 counted per /64). Unknown keys count
 * against their client's AUTH_FAILURES_PER_IP_PER_MINUTE.
 */
export function createIngestGuard(config: Config, noteUsed: (keyId: string) => void, authFailures: AuthFailureLimiter): RequestHandler {
  const perKey = new RateLimiterMemory({ keyPrefix: 'ingest-key', points: config.INGEST_RATE_LIMIT_PER_MINUTE, duration: 60 });
  const perIp = new RateLimiterMemory({ keyPrefix: 'ingest-ip', points: config.INGEST_IP_RATE_LIMIT_PER_HOUR, duration: 3600 });

  return async function guardIngest(req: Request, res: Response, next: NextFunction) {
    try {
      const token = ingestToken(req);
      if (!token) throw new AppError('unauthorized', 'Missing API token: send X-API-Token, Authorization: Bearer <key> or "token" in the body');
      if (!isWellFormedApiKey(token)) throw new AppError('unauthorized', 'Invalid API token');
      const credential = await findIngestCredential(token, config.INGEST_KEY_CACHE_TTL, () => authFailures.assertMayTry(req, (name, value) => res.setHeader(name, value)));
      if (!credential) {
        await authFailures.recordFailure(req);
        throw new AppError('unauthorized', 'Invalid API token');
      }
      if (!keyAllows(credential.key.kind, credential.key.scopes, 'ingest')) throw new AppError('forbidden', "This key lacks the 'ingest' scope");
      res.locals.auth = credential satisfies AuthContext;
      noteUsed(credential.key._id);
      await consume(res, perKey, credential.key._id, config.INGEST_RATE_LIMIT_PER_MINUTE);
      if (credential.key.kind === 'publishable') await consume(res, perIp, clientIpBucket(req.ip), config.INGEST_IP_RATE_LIMIT_PER_HOUR);
      next();
    } catch (err) {
      next(err);
    }
  };
}

async function consume(res: Response, limiter: RateLimiterMemory, subject: string, limit: number): Promise<void> {
  try {
    const r = await limiter.consume(subject);
    setHeaders(res, limit, r);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    setHeaders(res, limit, err);
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
    throw new AppError('rate_limited', 'Rate limited');
  }
}

/** The headers describe whichever limit has fewer requests left (per key, or per IP after it). */
function setHeaders(res: Response, limit: number, r: RateLimiterRes): void {
  const shown = Number(res.getHeader('X-RateLimit-Remaining') ?? Number.POSITIVE_INFINITY);
  if (Math.max(0, r.remainingPoints) > shown) return;
  res.setHeader('X-RateLimit-Limit', String(limit));
  res.setHeader('X-RateLimit-Remaining', String(Math.max(0, r.remainingPoints)));
  res.setHeader('X-RateLimit-Reset', String(Math.ceil((Date.now() + r.msBeforeNext) / 1000)));
}

/** Browsers call ingest from any site with a publishable key: answer CORS preflights openly. */
export const ingestCors: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset');
  if (req.method !== 'OPTIONS') return next();
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-API-Token, X-API-Key, Authorization');
  res.setHeader('Access-Control-Max-Age', '86400');
  res.status(204).end();
};
