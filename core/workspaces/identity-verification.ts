/**
 * Identity verification (as Intercom and others do it): a browser holding only the publishable
 * key could otherwise claim anyone's email. The site's server computes
 * `user_hash = hex(HMAC-SHA256(identity secret, email))` (or of the customer id when there is no
 * email) and the browser sends it with `identify`; a valid hash makes the identify as trusted as
 * one sent with a secret key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomAlphanumeric } from './api-keys';

export const IDENTITY_SECRET_PREFIX = 'idv_';

export function newIdentitySecret(): string {
  return IDENTITY_SECRET_PREFIX + randomAlphanumeric(40);
}

/** What `user_hash` signs: the email when there is one, else the customer id. */
export function identityHashInput(claim: { email?: string | null; customer_id?: string | null }): string | null {
  return claim.email ?? claim.customer_id ?? null;
}

export function identityHashOf(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('hex');
}

/** Constant-time comparison; case-insensitive hex. */
export function isValidIdentityHash(secret: string, value: string, hash: string): boolean {
  const expected = Buffer.from(identityHashOf(secret, value), 'utf8');
  const given = Buffer.from(hash.toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
