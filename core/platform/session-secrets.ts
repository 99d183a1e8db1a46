import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The secrets of browser sessions (portal links and sessions, console sessions). 32 random bytes:
 * they are bearer secrets, so they are never guessable.
 */
const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Which kind of session a CSRF token belongs to: a portal session's token does not pass for a console one. */
export type SessionPurpose = 'portal' | 'console';

export function newSessionSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** What is stored (`_id`): a leaked database does not hand out working links or sessions. High entropy, so no slow KDF. */
export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function isWellFormedSessionSecret(candidate: string): boolean {
  return SECRET_PATTERN.test(candidate);
}

/**
 * The CSRF token is derived from the session id, which only the cookie carries: a page on another
 * site can make the browser send the cookie but can neither read it nor compute this header.
 */
export function csrfTokenFor(sessionId: string, purpose: SessionPurpose): string {
  return createHash('sha256').update(`${purpose}-csrf:${sessionId}`, 'utf8').digest('base64url');
}

export function isValidCsrfToken(sessionId: string, given: string | undefined, purpose: SessionPurpose): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId, purpose));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
