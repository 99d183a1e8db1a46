import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { hashSessionSecret, isWellFormedSessionSecret, newSessionSecret } from '../platform/session-secrets';
import { portalSessionRepository } from './portal-session.repository';

const INVALID_LINK = 'This portal link is not valid: it was already used or never existed. Ask for a new link.';

/**
 * Trades a one-time link token for a session id (the cookie). The link is claimed by deleting it:
 * of two concurrent exchanges exactly one deletes it, so a token never opens two sessions.
 */
export async function exchangePortalToken(_deps: Deps, { token, now = new Date() }: { token: string; now?: Date }): Promise<{ sessionId: string; expiresAt: Date }> {
  if (!isWellFormedSessionSecret(token)) throw new AppError('unauthorized', INVALID_LINK);
  const linkId = hashSessionSecret(token);
  const link = await portalSessionRepository.findById(linkId);
  if (!link || link.kind !== 'link') throw new AppError('unauthorized', INVALID_LINK);
  const claimed = await portalSessionRepository.claim(linkId);
  if (!claimed) throw new AppError('unauthorized', INVALID_LINK);
  if (link.expiresAt <= now) throw new AppError('unauthorized', 'This portal link has expired. Ask for a new link.');
  const sessionId = newSessionSecret();
  // The session ends when the link would have: a link's TTL bounds all access it grants.
  await portalSessionRepository.insert({ _id: hashSessionSecret(sessionId), kind: 'session', workspaceId: link.workspaceId, subscriptionIds: link.subscriptionIds, expiresAt: link.expiresAt });
  return { sessionId, expiresAt: link.expiresAt };
}
