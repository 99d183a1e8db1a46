import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../../core/platform/errors';
import { isValidCsrfToken } from '../../core/platform/session-secrets';
import { resolveConsoleSession, type ConsoleIdentity } from '../../core/console/resolve-console-session';
import type { ApiDeps } from '../deps';
import type { AuthContext } from '../http/auth-context';
import { CONSOLE_COOKIE, readCookie } from '../http/session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Set when the caller is a console session (the cookie) rather than an API key. */
export interface ConsoleContext {
  sessionId: string;
  identity: ConsoleIdentity;
}

export function consoleOf(res: Response): ConsoleContext | undefined {
  return res.locals.console as ConsoleContext | undefined;
}

export function consoleCookieOf(req: Request): string | undefined {
  return readCookie(req.headers.cookie, CONSOLE_COOKIE);
}

/**
 * The console signs in once and then calls the same `/api/v1` routes as any client: a request
 * without an API key but with the console cookie acts as the key the session signed in with.
 */
export async function authenticateConsole(deps: ApiDeps, req: Request, res: Response): Promise<boolean> {
  const sessionId = consoleCookieOf(req);
  if (!sessionId) return false;
  const identity = await resolveConsoleSession(deps, { sessionId });
  res.locals.auth = { workspace: identity.workspace, key: identity.key } satisfies AuthContext;
  res.locals.console = { sessionId, identity } satisfies ConsoleContext;
  return true;
}

/** Writes through the console cookie carry its CSRF token (SameSite=Strict is the first lock, this the second). */
export const requireConsoleCsrf: RequestHandler = function requireConsoleCsrf(req, res, next) {
  const session = consoleOf(res);
  if (!session || SAFE_METHODS.has(req.method)) return next();
  try {
    assertConsoleCsrf(req, session.sessionId);
    next();
  } catch (err) {
    next(err);
  }
};

export function assertConsoleCsrf(req: Request, sessionId: string): void {
  const given = req.headers['x-csrf-token'];
  if (!isValidCsrfToken(sessionId, typeof given === 'string' ? given : undefined, 'console')) {
    throw new AppError('csrf_failed', 'Missing or wrong x-csrf-token header: read csrf_token from GET /console/api/session');
  }
}
