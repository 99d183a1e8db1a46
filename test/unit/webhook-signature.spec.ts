import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, secretPrefix, signWebhook } from '../../core/webhooks/signature';

/** Signatures are checked with the reference Standard Webhooks library, as a receiver would. */
function headersFor(id: string, timestamp: number, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

const body = JSON.stringify({ type: 'lead.created', data: { id: 'lead_1', email: 'ada@example.com', note: 'héllo ✓' } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('webhook signatures', () => {
  it('generates whsec_ secrets of 24 random bytes and a short listing prefix', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    expect(secretPrefix(secret)).toBe(secret.slice(0, 12));
    expect(secretPrefix(secret)).toHaveLength(12);
    expect(new Set(Array.from({ length: 500 }, generateWebhookSecret)).size).toBe(500);
  });

  it('produces a v1 signature the standardwebhooks library verifies', () => {
    const secret = generateWebhookSecret();
    const id = 'msg_2xYz';
    const timestamp = nowSeconds();
    const signature = signWebhook({ id, timestamp, body, secrets: [secret] });
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headersFor(id, timestamp, signature))).toEqual(JSON.parse(body));
  });

  it('signs once per secret during a rotation, so old and new secrets both verify', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const id = 'msg_rotation';
    const timestamp = nowSeconds();
    const signature = signWebhook({ id, timestamp, body, secrets: [oldSecret, newSecret] });
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(body, headersFor(id, timestamp, signature))).not.toThrow();
    }
  });

  it('fails verification for a tampered body, id or timestamp', () => {
    const secret = generateWebhookSecret();
    const timestamp = nowSeconds();
    const signature = signWebhook({ id: 'msg_1', timestamp, body, secrets: [secret] });
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(body.replace('lead_1', 'lead_2'), headersFor('msg_1', timestamp, signature))).toThrow();
    expect(() => receiver.verify(body, headersFor('msg_2', timestamp, signature))).toThrow();
    expect(() => receiver.verify(body, headersFor('msg_1', timestamp - 1, signature))).toThrow();
  });

  it('fails verification with a wrong secret', () => {
    const timestamp = nowSeconds();
    const signature = signWebhook({ id: 'msg_1', timestamp, body, secrets: [generateWebhookSecret()] });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headersFor('msg_1', timestamp, signature))).toThrow();
  });

  it('matches the reference signer for a fixed timestamp in the past', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const expected = new Webhook(secret).sign('msg_fixed', new Date(1_700_000_000_000), '{}');
    expect(signWebhook({ id: 'msg_fixed', timestamp: 1_700_000_000, body: '{}', secrets: [secret] })).toBe(expected);
  });
});
