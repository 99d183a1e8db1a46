import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiKey, isWellFormedApiKey } from '../../core/workspaces/api-keys';
import { AppError } from '../../core/platform/errors';
import { apiKeyRepository } from '../../core/workspaces/api-key.repository';
import { workspaceRepository } from '../../core/workspaces/workspace.repository';
import { keyAllows, type ApiKeyScope } from '../../core/workspaces/scopes';
import type { ApiDeps } from '../deps';
import type { AuthMode } from '../http/api-router';
import type { AuthContext } from '../http/auth-context';
import { extractApiKey } from './extract-api-key';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { createIngestGuard } from './ingest-guard';
import { consumeWorkspaceRateLimit } from './workspace-rate-limit';
import { createPortalGuards } from '../portal/portal-auth';
import { sameSecret } from '../../core/platform/same-secret';
import { authenticateConsole, consoleOf, requireConsoleCsrf } from '../console/console-auth';

const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const INVALID_KEY = 'Invalid API key';

/**
 * Builds the guards every authenticated route runs: resolve the key (one indexed lookup, so
 * revocation takes effect on the very next request; unknown keys are limited per client IP) or
 * the console session cookie (which acts as the key it signed in with; CSRF token on writes),
 * apply the key's rate limit and set the X-RateLimit-* headers, then check kind and scope.
 */
export function createAuthenticator(deps: ApiDeps) {
  const lastUsedWrites = new Map<string, number>();

  function noteUsed(keyId: string): void {
    const now = Date.now();
    if ((lastUsedWrites.get(keyId) ?? 0) + LAST_USED_WRITE_INTERVAL_MS > now) return;
    lastUsedWrites.set(keyId, now);
    apiKeyRepository.touchLastUsed(keyId, new Date(now)).catch((err) => deps.logger.warn({ err, keyId }, 'could not record lastUsedAt'));
  }

  const authFailures = new AuthFailureLimiter(deps.config.AUTH_FAILURES_PER_IP_PER_MINUTE);

  /** Who is calling: the key and its workspace. Kind and scope are checked after the rate limit, so a 403 carries its headers too. */
  const resolveKey: RequestHandler = async function resolveApiKey(req: Request, res: Response, next: NextFunction) {
    try {
      const plaintext = extractApiKey(req);
      if (!plaintext && (await authenticateConsole(deps, req, res))) {
        const keyId = consoleOf(res)?.identity.session.keyId; // null for the admin token
        if (keyId) noteUsed(keyId);
        return next();
      }
      if (!plaintext) throw new AppError('unauthorized', 'Missing API key: send Authorization: Bearer <key> or X-API-Key');
      if (!isWellFormedApiKey(plaintext)) throw new AppError('unauthorized', INVALID_KEY);
      await authFailures.assertMayTry(req, (name, value) => res.setHeader(name, value));
      const key = await apiKeyRepository.findByHash(hashApiKey(plaintext));
      const workspace = key && !key.revokedAt ? await workspaceRepository.findByIdCached(key.workspaceId) : null;
      if (!key || !workspace) {
        await authFailures.recordFailure(req);
        throw new AppError('unauthorized', INVALID_KEY);
      }
      res.locals.auth = { workspace, key } satisfies AuthContext;
      noteUsed(key._id);
      next();
    } catch (err) {
      next(err);
    }
  };

  const authorize = (mode: 'key' | 'secret', scope?: ApiKeyScope): RequestHandler =>
    function authorizeKey(_req, res, next) {
      const { key } = res.locals.auth as AuthContext;
      if (mode === 'secret' && key.kind !== 'secret') return next(new AppError('forbidden', 'This endpoint requires a secret key (sk_…)'));
      if (scope && !keyAllows(key.kind, key.scopes, scope)) return next(new AppError('forbidden', `This key lacks the '${scope}' scope`));
      next();
    };

  const rateLimit: RequestHandler = async function rateLimitByKey(_req, res, next) {
    try {
      const { workspace, key } = res.locals.auth as AuthContext;
      await consumeWorkspaceRateLimit(deps, res, key._id, workspace);
      next();
    } catch (err) {
      next(err);
    }
  };

  const guardIngest = createIngestGuard(deps.config, noteUsed, authFailures);

  const requireAdmin: RequestHandler = function requireAdminToken(req, _res, next) {
    const expected = deps.config.SIGNALBOX_ADMIN_TOKEN;
    if (!expected) return next(new AppError('forbidden', 'The admin API is disabled: set SIGNALBOX_ADMIN_TOKEN to enable it'));
    const header = req.headers.authorization;
    const given = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (typeof req.headers['x-admin-token'] === 'string' ? req.headers['x-admin-token'] : undefined);
    if (!given || !sameSecret(given, expected)) return next(new AppError('unauthorized', 'Invalid or missing admin token'));
    next();
  };

  const portalGuards = createPortalGuards(deps);

  return {
    authenticate(mode: Exclude<AuthMode, 'none'>, scope?: ApiKeyScope): RequestHandler[] {
      if (mode === 'admin') return [requireAdmin];
      if (mode === 'portal') return portalGuards;
      if (mode === 'ingest') return [guardIngest];
      return [resolveKey, rateLimit, authorize(mode, scope), requireConsoleCsrf];
    },
  };
}
