import { serializeError } from '../../core/platform/logger';

describe('serializeError', () => {
  it('keeps what explains the error and drops the documents a database error carries', () => {
    const err = Object.assign(new Error(`E11000 duplicate key error collection: leads index: _id_ dup key: { email: "jane@acme.io" } ${'x'.repeat(5000)}`), {
      name: 'MongoServerError',
      code: 11000,
      keyValue: { email: 'jane@acme.io' },
      writeErrors: [{ op: { email: 'jane@acme.io', ip: '203.0.113.9' } }],
      errorResponse: { errmsg: 'jane@acme.io' },
    });
    const out = serializeError(err) as Record<string, unknown>;
    expect(out).toMatchObject({ code: 11000, keyValue: '[omitted]', writeErrors: '[omitted]', errorResponse: '[omitted]' });
    expect((out.message as string).length).toBeLessThan(1100);
    expect(out.message).toMatch(/more characters\]$/);
    expect(JSON.stringify(out)).not.toContain('203.0.113.9');
  });

  it('passes through what is not an error object', () => {
    expect(serializeError('plain text')).toBe('plain text');
  });
});
