import { z } from 'zod';
import { toAppError } from '../../api/middleware/error-handler';
import { AppError, errorStatus, fieldErrors } from '../../core/platform/errors';

describe('error model', () => {
  it('maps every code to its HTTP status in one table', () => {
    expect(new AppError('validation_failed', 'x').status).toBe(400);
    expect(new AppError('unauthorized', 'x').status).toBe(401);
    expect(new AppError('not_entitled', 'x').status).toBe(403);
    expect(new AppError('not_found', 'x').status).toBe(404);
    expect(new AppError('conflict', 'x').status).toBe(409);
    expect(new AppError('payload_too_large', 'x').status).toBe(413);
    expect(new AppError('unsupported_media_type', 'x').status).toBe(415);
    expect(new AppError('rate_limited', 'x').status).toBe(429);
    expect(Object.values(errorStatus).every((s) => s >= 400 && s < 600)).toBe(true);
  });

  it('serialises to { error, code, details? }', () => {
    expect(new AppError('not_found', 'Webhook not found').toJSON()).toEqual({ error: 'Webhook not found', code: 'not_found' });
    expect(AppError.validation({ url: ['Invalid URL'] }).toJSON()).toEqual({ error: 'Request validation failed', code: 'validation_failed', details: { url: ['Invalid URL'] } });
  });

  it('keys zod issues by field path, unknown fields by their own name', () => {
    const schema = z.object({ url: z.url(), events: z.array(z.string()).min(1), nested: z.object({ n: z.number() }) }).strict();
    const result = schema.safeParse({ url: 'nope', events: [], nested: { n: 'x' }, extra: 1 });
    expect(result.success).toBe(false);
    const details = fieldErrors(result.error!.issues);
    expect(Object.keys(details).sort()).toEqual(['events', 'extra', 'nested.n', 'url']);
    expect(details.extra).toEqual(['Unknown field']);
    expect(fieldErrors(result.error!.issues, 'query')['query.url']).toBeDefined();
  });

  it('turns body-parser failures into 4xx and anything unknown into an opaque 500', () => {
    expect(toAppError(Object.assign(new Error('x'), { type: 'entity.parse.failed' })).status).toBe(400);
    expect(toAppError(Object.assign(new Error('x'), { type: 'entity.too.large', limit: 10 })).toJSON()).toEqual({
      error: 'Request body exceeds the limit of 10 bytes',
      code: 'payload_too_large',
    });
    expect(toAppError(Object.assign(new Error('x'), { type: 'charset.unsupported' })).status).toBe(415);
    const opaque = toAppError(new Error('connection string mongodb://user:pw@host leaked'));
    expect(opaque.status).toBe(500);
    expect(opaque.message).toBe('Internal server error');
  });
});
