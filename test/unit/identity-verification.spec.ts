import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { identityHashInput, identityHashOf, isValidIdentityHash, newIdentitySecret } from '../../core/workspaces/identity-verification';

describe('identity verification hashes', () => {
  it('is the hex HMAC-SHA256 the README snippet computes, accepted in either case', () => {
    const secret = newIdentitySecret();
    const hash = createHmac('sha256', secret).update('jane@acme.io').digest('hex');
    expect(identityHashOf(secret, 'jane@acme.io')).toBe(hash);
    expect(isValidIdentityHash(secret, 'jane@acme.io', hash)).toBe(true);
    expect(isValidIdentityHash(secret, 'jane@acme.io', hash.toUpperCase())).toBe(true);
  });

  it('refuses a hash of another value, another secret, or any other string', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string(), (value, other, junk) => {
        const secret = newIdentitySecret();
        if (other !== value) expect(isValidIdentityHash(secret, value, identityHashOf(secret, other))).toBe(false);
        expect(isValidIdentityHash(secret, value, identityHashOf(newIdentitySecret(), value))).toBe(false);
        if (junk.toLowerCase() !== identityHashOf(secret, value)) expect(isValidIdentityHash(secret, value, junk)).toBe(false);
      }),
    );
  });

  it('signs the email, else the customer id', () => {
    expect(identityHashInput({ email: 'a@b.example', customer_id: 'c1' })).toBe('a@b.example');
    expect(identityHashInput({ customer_id: 'c1' })).toBe('c1');
    expect(identityHashInput({})).toBeNull();
  });
});
