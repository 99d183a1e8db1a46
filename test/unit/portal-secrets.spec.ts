import { csrfTokenFor, hashPortalSecret, isValidCsrfToken, isWellFormedPortalSecret, newPortalSecret } from '../../core/portal/portal-secrets';
import { portalSessionCookie, readCookie } from '../../api/portal/portal-cookie';

describe('portal secrets', () => {
  it('are 32 random bytes in base64url, distinct, and stored as their SHA-256', () => {
    const a = newPortalSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newPortalSecret()).not.toBe(a);
    expect(isWellFormedPortalSecret(a)).toBe(true);
    expect(isWellFormedPortalSecret(a + 'x')).toBe(false);
    expect(isWellFormedPortalSecret('api')).toBe(false);
    expect(hashPortalSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('derive a CSRF token per session that only that session id verifies', () => {
    const session = newPortalSecret();
    const token = csrfTokenFor(session);
    expect(token).not.toContain(session);
    expect(isValidCsrfToken(session, token)).toBe(true);
    expect(isValidCsrfToken(newPortalSecret(), token)).toBe(false);
    expect(isValidCsrfToken(session, undefined)).toBe(false);
    expect(isValidCsrfToken(session, token.slice(1))).toBe(false);
  });
});

describe('portal cookie', () => {
  const expires = new Date('2030-01-02T03:04:05Z');

  it('is HttpOnly, SameSite=Strict, Path=/, expires with the session, Secure only over https', () => {
    expect(portalSessionCookie('sid', expires, false)).toBe('signalbox_portal=sid; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Strict');
    expect(portalSessionCookie('sid', expires, true)).toMatch(/; Secure$/);
  });

  it('is read from a Cookie header among others', () => {
    expect(readCookie('a=1; signalbox_portal=xyz; b=2', 'signalbox_portal')).toBe('xyz');
    expect(readCookie('xsignalbox_portal=no', 'signalbox_portal')).toBeUndefined();
    expect(readCookie(undefined, 'signalbox_portal')).toBeUndefined();
  });
});
