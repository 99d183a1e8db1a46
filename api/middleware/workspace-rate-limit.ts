import type { Response } from 'express';
import { AppError } from '../../core/platform/errors';
import type { WorkspaceDoc } from '../../core/workspaces/workspace.model';
import type { ApiDeps } from '../deps';

/**
 * Counts one request against the workspace's limits (RATE_LIMIT_PER_MINUTE / _PER_DAY unless the
 * workspace overrides them) in `bucket` — a key, or a portal session — and sets the
 * X-RateLimit-* headers; over the limit it sets Retry-After and throws `rate_limited`.
 */
export async function consumeWorkspaceRateLimit(deps: Pick<ApiDeps, 'rateLimiter' | 'config'>, res: Response, bucket: string, workspace: Pick<WorkspaceDoc, 'rateLimits'>): Promise<void> {
  const decision = await deps.rateLimiter.consume(bucket, {
    perMinute: workspace.rateLimits?.perMinute ?? deps.config.RATE_LIMIT_PER_MINUTE,
    perDay: workspace.rateLimits?.perDay ?? deps.config.RATE_LIMIT_PER_DAY,
  });
  res.setHeader('X-RateLimit-Limit', String(decision.limit));
  res.setHeader('X-RateLimit-Remaining', String(decision.remaining));
  res.setHeader('X-RateLimit-Reset', String(decision.resetAt));
  if (!decision.allowed) {
    res.setHeader('Retry-After', String(decision.retryAfter));
    throw new AppError('rate_limited', `Rate limit exceeded. Try again in ${decision.retryAfter} s.`);
  }
}
