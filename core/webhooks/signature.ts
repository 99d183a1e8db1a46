/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of
 * random bytes, and each signature is `v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>`.
 * Secrets and signatures are credentials: never log them.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;
const DISPLAY_PREFIX_LENGTH = 12;

export interface SignWebhookInput {
  /** The `webhook-id` header: the same for every retry of one message. */
  id: string;
  /** The `webhook-timestamp` header, in Unix seconds. */
  timestamp: number;
  /** The exact bytes sent as the request body. */
  body: string;
  /** Every active secret; several during a rotation, so old and new ones both verify. */
  secrets: string[];
}

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** Enough of a secret to recognise it in a list, e.g. `whsec_AbCdEf`. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** The `webhook-signature` header value: one `v1,…` entry per secret, space-separated. */
export function signWebhook({ id, timestamp, body, secrets }: SignWebhookInput): string {
  if (!Number.isInteger(timestamp)) throw new TypeError('timestamp must be whole Unix seconds');
  const signedContent = `${id}.${timestamp}.${body}`;
  return secrets.map((secret) => `v1,${hmacBase64(secretKey(secret), signedContent)}`).join(' ');
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  // A secret that decodes to nothing would sign with an empty key; refuse without echoing it.
  if (key.length === 0) throw new TypeError('webhook secret is not valid base64');
  return key;
}

function hmacBase64(key: Buffer, content: string): string {
  return createHmac('sha256', key).update(content, 'utf8').digest('base64');
}
