/** The session cookies' names (documented as the `portalSession` and `consoleSession` security schemes). */
export const PORTAL_COOKIE = 'signalbox_portal';
export const CONSOLE_COOKIE = 'signalbox_console';

/**
 * HttpOnly (no script reads it), SameSite=Strict (no cross-site request carries it), Secure when
 * served over https; it expires with the session.
 */
export function sessionCookie(name: string, sessionId: string, expiresAt: Date, secure: boolean): string {
  const parts = [`${name}=${sessionId}`, 'Path=/', `Expires=${expiresAt.toUTCString()}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Tells the browser to drop the cookie (sign-out). */
export function clearedSessionCookie(name: string, secure: boolean): string {
  return sessionCookie(name, '', new Date(0), secure);
}

/** One cookie's value from a Cookie header (no dependency for a single name-value lookup). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
