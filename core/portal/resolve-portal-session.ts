import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { hashSessionSecret, isWellFormedSessionSecret } from '../platform/session-secrets';
import type { PortalSessionDoc } from './portal-session.model';
import { portalSessionRepository } from './portal-session.repository';

/** The live session a cookie's session id names, or a 401. */
export async function resolvePortalSession(_deps: Deps, { sessionId, now = new Date() }: { sessionId: string | undefined; now?: Date }): Promise<PortalSessionDoc> {
  if (!sessionId || !isWellFormedSessionSecret(sessionId)) throw new AppError('unauthorized', 'No portal session: open the portal link again');
  const session = await portalSessionRepository.findById(hashSessionSecret(sessionId));
  if (!session || session.kind !== 'session') throw new AppError('unauthorized', 'No portal session: open the portal link again');
  if (session.expiresAt <= now) throw new AppError('unauthorized', 'The portal session has expired. Ask for a new link.');
  return session;
}

/** Ends a session before it expires: every later request with its cookie is a 401. */
export async function endPortalSession(_deps: Deps, { sessionId }: { sessionId: string }): Promise<void> {
  await portalSessionRepository.claim(hashSessionSecret(sessionId));
}
