/** The portal session cookie's name (documented as the `portalSession` security scheme). */
export const PORTAL_COOKIE = 'signalbox_portal';

/**
 * HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it), Secure when
 * the portal is served over https; it expires with the session.
 */
export function portalSessionCookie(sessionId: string, expiresAt: Date, secure: boolean): string {
  const parts = [`${PORTAL_COOKIE}=${sessionId}`, 'Path=/', `Expires=${expiresAt.toUTCString()}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** One cookie's value from a Cookie header (no dependency for a single name-value lookup). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
