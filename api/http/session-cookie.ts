/** The session cookies' names (documented as the `portalSession` and `consoleSession` security schemes). */
export const PORTAL_COOKIE = 'signalbox_portal';
export const CONSOLE_COOKIE = 'signalbox_console';

export interface CookieSecurity {
  /** Served over https (PUBLIC_URL): the cookie is Secure. */
  secure: boolean;
  /**
   * May be sent inside a cross-site iframe (the portal, embedded by the workspace owner): over
   * https it is SameSite=None; Secure; Partitioned (CHIPS: kept in a jar per embedding site, so it
   * cannot track across sites). Writes stay protected by the `x-csrf-token` header. Over http
   * (dev) browsers refuse SameSite=None without Secure, so it stays Strict there.
   */
  embeddable?: boolean;
}

/**
 * HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it) unless
 * embeddable over https, Secure when served over https; it expires with the session.
 */
export function sessionCookie(name: string, sessionId: string, expiresAt: Date, security: CookieSecurity): string {
  const parts = [`${name}=${sessionId}`, 'Path=/', `Expires=${expiresAt.toUTCString()}`, 'HttpOnly'];
  if (security.secure && security.embeddable) parts.push('SameSite=None', 'Secure', 'Partitioned');
  else parts.push('SameSite=Strict', ...(security.secure ? ['Secure'] : []));
  return parts.join('; ');
}

/** Tells the browser to drop the cookie (sign-out); the same attributes, so a partitioned cookie is found. */
export function clearedSessionCookie(name: string, security: CookieSecurity): string {
  return sessionCookie(name, '', new Date(0), security);
}

/** One cookie's value from a Cookie header (no dependency for a single name-value lookup). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
