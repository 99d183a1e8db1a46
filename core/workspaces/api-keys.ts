import { createHash, randomBytes } from 'node:crypto';

/** Secret keys are for servers; publishable keys are safe in a browser (ingest only). */
export const apiKeyKinds = ['secret', 'publishable'] as const;
export type ApiKeyKind = (typeof apiKeyKinds)[number];

const prefixOfKind: Record<ApiKeyKind, string> = { secret: 'sk_', publishable: 'pk_' };
const KEY_BODY_LENGTH = 32;
const KEY_PATTERN = /^(sk|pk)_[A-Za-z0-9]{32}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface GeneratedKey {
  /** The full key, shown once and never stored. */
  plaintext: string;
  /** SHA-256 of the key: what is stored and looked up. */
  hash: string;
  /** Enough of the key to recognise it in a list, e.g. `sk_AbC4eF`. */
  displayPrefix: string;
}

export function generateApiKey(kind: ApiKeyKind): GeneratedKey {
  const plaintext = prefixOfKind[kind] + randomAlphanumeric(KEY_BODY_LENGTH);
  return { plaintext, hash: hashApiKey(plaintext), displayPrefix: displayPrefixOf(plaintext) };
}

/**
 * Keys carry 190 bits of randomness, so a fast unsalted hash is safe and lets a request be
 * authenticated with one indexed lookup (a slow KDF protects low-entropy passwords, not these).
 */
export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

export function isWellFormedApiKey(candidate: string): boolean {
  return KEY_PATTERN.test(candidate);
}

export function displayPrefixOf(plaintext: string): string {
  return plaintext.slice(0, 9);
}

/** Unbiased: rejection-samples bytes so every character is equally likely. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
