import { displayPrefixOf, generateApiKey, hashApiKey, isWellFormedApiKey, randomAlphanumeric } from '../../core/workspaces/api-keys';
import { keyAllows } from '../../core/workspaces/scopes';

describe('API keys', () => {
  it('generates secret and publishable keys with their prefixes and a 32-character body', () => {
    const secret = generateApiKey('secret');
    const publishable = generateApiKey('publishable');
    expect(secret.plaintext).toMatch(/^sk_[A-Za-z0-9]{32}$/);
    expect(publishable.plaintext).toMatch(/^pk_[A-Za-z0-9]{32}$/);
    expect(isWellFormedApiKey(secret.plaintext)).toBe(true);
    expect(isWellFormedApiKey(publishable.plaintext)).toBe(true);
  });

  it('stores only a SHA-256 hash and a short display prefix', () => {
    const key = generateApiKey('secret');
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).not.toContain(key.plaintext.slice(3));
    expect(key.displayPrefix).toBe(displayPrefixOf(key.plaintext));
    expect(key.displayPrefix).toHaveLength(9);
    expect(key.plaintext.startsWith(key.displayPrefix)).toBe(true);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateApiKey('secret').plaintext));
    expect(keys.size).toBe(2000);
  });

  it('rejects malformed candidates before any lookup', () => {
    for (const bad of ['', 'sk_', 'sk_short', 'xx_' + 'a'.repeat(32), 'sk_' + 'a'.repeat(31) + '!', 'sk_' + 'a'.repeat(33), ' sk_' + 'a'.repeat(32)]) {
      expect(isWellFormedApiKey(bad)).toBe(false);
    }
  });

  it('draws characters uniformly from the alphabet', () => {
    const counts = new Map<string, number>();
    for (const ch of randomAlphanumeric(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700); // expected 1000 each
  });
});

describe('scopes', () => {
  it('limits publishable keys to ingest whatever they list', () => {
    expect(keyAllows('publishable', [], 'ingest')).toBe(true);
    expect(keyAllows('publishable', [], 'read')).toBe(false);
    expect(keyAllows('publishable', ['read'], 'read')).toBe(false);
  });

  it('lets an unscoped secret key do everything and a scoped one only what it lists', () => {
    expect(keyAllows('secret', [], 'webhooks')).toBe(true);
    expect(keyAllows('secret', ['read'], 'read')).toBe(true);
    expect(keyAllows('secret', ['read'], 'write')).toBe(false);
  });
});
