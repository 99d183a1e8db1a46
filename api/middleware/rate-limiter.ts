import type { Db } from 'mongodb';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../core/platform/logger';
import { RATE_LIMIT_COLLECTION } from '../../core/platform/rate-limit-store';

export interface Limits {
  perMinute: number;
  perDay: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix time (seconds) at which the binding window resets. */
  resetAt: number;
  /** Seconds to wait before retrying; only when refused. */
  retryAfter?: number;
}


/**
 * Per-key limits shared by every API process through MongoDB (rate-limiter-flexible):
 * a burst window per minute and a sustained window per day. Stored counters outlive a
 * restart; a store failure lets the request through (logged) rather than failing it.
 */
export class KeyRateLimiter {
  private readonly limiters = new Map<string, RateLimiterMongo>();

  private constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  static async create(db: Db, logger: Logger): Promise<KeyRateLimiter> {
    const collection = db.collection(RATE_LIMIT_COLLECTION);
    await collection.createIndex({ key: 1 }, { unique: true });
    // Expired counters are reset in place; real MongoDB also drops them by TTL (FerretDB lacks TTL indexes).
    await collection.createIndex({ expire: 1 }, { expireAfterSeconds: 0 }).catch(() => undefined);
    return new KeyRateLimiter(db, logger);
  }

  async consume(subject: string, limits: Limits): Promise<RateDecision> {
    try {
      const minute = await this.limiter('minute', limits.perMinute, 60).consume(subject);
      const day = await this.limiter('day', limits.perDay, 86_400).consume(subject);
      const binding = day.remainingPoints < minute.remainingPoints ? { res: day, limit: limits.perDay } : { res: minute, limit: limits.perMinute };
      return { allowed: true, limit: limits.perMinute, remaining: binding.res.remainingPoints, resetAt: resetAt(binding.res) };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { allowed: false, limit: limits.perMinute, remaining: 0, resetAt: resetAt(err), retryAfter: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
      this.logger.warn({ err }, 'rate limiter store failed; letting the request through');
      return { allowed: true, limit: limits.perMinute, remaining: limits.perMinute, resetAt: Math.ceil(Date.now() / 1000) + 60 };
    }
  }

  private limiter(window: 'minute' | 'day', points: number, duration: number): RateLimiterMongo {
    const id = `${window}:${points}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // The key prefix names the window, not the points, so changing a workspace's limit keeps its count.
      limiter = new RateLimiterMongo({ storeClient: this.db, tableName: RATE_LIMIT_COLLECTION, keyPrefix: `rl:${window}`, points, duration, disableIndexesCreation: true });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function resetAt(res: RateLimiterRes): number {
  return Math.ceil((Date.now() + Math.max(res.msBeforeNext, 0)) / 1000);
}
