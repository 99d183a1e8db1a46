import type { Request } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '../../core/platform/errors';
import { clientIpBucket } from '../http/client-ip-bucket';

/**
 * Each well-formed key costs a database lookup unless it is cached, so a client guessing random
 * keys could load the database and push good keys out of the ingest cache. After
 * AUTH_FAILURES_PER_IP_PER_MINUTE unknown keys from one IP (IPv6: one /64), further keys from it
 * are refused with 429 before any lookup. Counted in memory per API process.
 */
export class AuthFailureLimiter {
  private readonly failures: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    this.failures = new RateLimiterMemory({ keyPrefix: 'auth-failures', points: perMinute, duration: 60 });
  }

  /** Throws 429 (with Retry-After) when this client has used up its failures. */
  async assertMayTry(req: Request, setHeader: (name: string, value: string) => void): Promise<void> {
    const state = await this.failures.get(clientIpBucket(req.ip));
    if (!state || state.consumedPoints < this.perMinute) return;
    setHeader('Retry-After', String(Math.max(1, Math.ceil(state.msBeforeNext / 1000))));
    throw new AppError('rate_limited', 'Too many requests with invalid API keys from this address');
  }

  async recordFailure(req: Request): Promise<void> {
    await this.failures.penalty(clientIpBucket(req.ip), 1);
  }
}
