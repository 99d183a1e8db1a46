import type { RequestHandler, Response } from 'express';
import { AppError } from '../../core/platform/errors';
import { isValidCsrfToken } from '../../core/platform/session-secrets';
import type { PortalSessionDoc } from '../../core/portal/portal-session.model';
import { resolvePortalSession } from '../../core/portal/resolve-portal-session';
import { workspaceRepository } from '../../core/workspaces/workspace.repository';
import type { ApiDeps } from '../deps';
import { PORTAL_COOKIE, readCookie } from '../http/session-cookie';
import { consumeWorkspaceRateLimit } from '../middleware/workspace-rate-limit';

/** Who is calling through the portal: set by the portal guards, read by portal routes. */
export interface PortalContext {
  session: PortalSessionDoc;
  sessionId: string;
}

export function portalOf(res: Response): PortalContext {
  const portal = res.locals.portal as PortalContext | undefined;
  if (!portal) throw new Error('portal route reached without a portal session');
  return portal;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The guards of `auth: 'portal'` routes: the session cookie, the workspace's rate limit per session, CSRF on writes. */
export function createPortalGuards(deps: ApiDeps): RequestHandler[] {
  const resolveSession: RequestHandler = async function resolvePortalCookie(req, res, next) {
    try {
      const sessionId = readCookie(req.headers.cookie, PORTAL_COOKIE);
      const session = await resolvePortalSession(deps, { sessionId });
      res.locals.portal = { session, sessionId: sessionId as string } satisfies PortalContext;
      next();
    } catch (err) {
      next(err);
    }
  };

  const rateLimit: RequestHandler = async function rateLimitPortal(_req, res, next) {
    try {
      const { session } = portalOf(res);
      // A session lives no longer than its workspace; its limits are the workspace's, counted per session.
      const workspace = await workspaceRepository.findByIdCached(session.workspaceId);
      if (!workspace) throw new AppError('unauthorized', 'No portal session: open the portal link again');
      await consumeWorkspaceRateLimit(deps, res, `portal:${session._id}`, workspace);
      next();
    } catch (err) {
      next(err);
    }
  };

  // SameSite=Strict already keeps the cookie off cross-site requests; the header is the second lock.
  const requireCsrf: RequestHandler = function requirePortalCsrf(req, res, next) {
    if (SAFE_METHODS.has(req.method)) return next();
    const given = req.headers['x-csrf-token'];
    if (!isValidCsrfToken(portalOf(res).sessionId, typeof given === 'string' ? given : undefined, 'portal')) {
      return next(new AppError('csrf_failed', 'Missing or wrong x-csrf-token header: read csrf_token from GET /portal/api/session'));
    }
    next();
  };

  return [resolveSession, rateLimit, requireCsrf];
}
