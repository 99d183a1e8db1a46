import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: link tokens and session ids are bearer secrets, so they are never guessable. */
const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newPortalSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** What is stored (`_id`): a leaked database does not hand out working links or sessions. High entropy, so no slow KDF. */
export function hashPortalSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function isWellFormedPortalSecret(candidate: string): boolean {
  return SECRET_PATTERN.test(candidate);
}

/**
 * The CSRF token is derived from the session id, which only the cookie carries: a page on another
 * site can make the browser send the cookie but can neither read it nor compute this header.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`portal-csrf:${sessionId}`, 'utf8').digest('base64url');
}

export function isValidCsrfToken(sessionId: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
