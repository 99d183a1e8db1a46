import { csrfTokenFor, hashSessionSecret, isValidCsrfToken, isWellFormedSessionSecret, newSessionSecret } from '../../core/platform/session-secrets';
import { clearedSessionCookie, sessionCookie, readCookie } from '../../api/http/session-cookie';

describe('session secrets', () => {
  it('are 32 random bytes in base64url, distinct, and stored as their SHA-256', () => {
    const a = newSessionSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newSessionSecret()).not.toBe(a);
    expect(isWellFormedSessionSecret(a)).toBe(true);
    expect(isWellFormedSessionSecret(a + 'x')).toBe(false);
    expect(isWellFormedSessionSecret('api')).toBe(false);
    expect(hashSessionSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('derive a CSRF token per session and purpose that only that session id verifies', () => {
    const session = newSessionSecret();
    const token = csrfTokenFor(session, 'portal');
    expect(token).not.toContain(session);
    expect(isValidCsrfToken(session, token, 'portal')).toBe(true);
    expect(isValidCsrfToken(session, token, 'console')).toBe(false);
    expect(isValidCsrfToken(newSessionSecret(), token, 'portal')).toBe(false);
    expect(isValidCsrfToken(session, undefined, 'portal')).toBe(false);
    expect(isValidCsrfToken(session, token.slice(1), 'portal')).toBe(false);
  });
});

describe('session cookie', () => {
  const expires = new Date('2030-01-02T03:04:05Z');

  it('is HttpOnly, SameSite=Strict, Path=/, expires with the session, Secure only over https', () => {
    expect(sessionCookie('signalbox_console', 'sid', expires, { secure: false })).toBe('signalbox_console=sid; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Strict');
    expect(sessionCookie('signalbox_console', 'sid', expires, { secure: true })).toBe('signalbox_console=sid; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Strict; Secure');
    expect(clearedSessionCookie('signalbox_console', { secure: false })).toBe('signalbox_console=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict');
  });

  it('of the embeddable portal is SameSite=None; Secure; Partitioned over https, and stays Strict over http', () => {
    expect(sessionCookie('signalbox_portal', 'sid', expires, { secure: true, embeddable: true })).toBe('signalbox_portal=sid; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=None; Secure; Partitioned');
    expect(sessionCookie('signalbox_portal', 'sid', expires, { secure: false, embeddable: true })).toBe('signalbox_portal=sid; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Strict');
    expect(clearedSessionCookie('signalbox_portal', { secure: true, embeddable: true })).toBe('signalbox_portal=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=None; Secure; Partitioned');
  });

  it('is read from a Cookie header among others', () => {
    expect(readCookie('a=1; signalbox_portal=xyz; b=2', 'signalbox_portal')).toBe('xyz');
    expect(readCookie('xsignalbox_portal=no', 'signalbox_portal')).toBeUndefined();
    expect(readCookie(undefined, 'signalbox_portal')).toBeUndefined();
  });
});
