import { ApiError, toApiError } from '../../web/shared/api-client';
import { fieldErrorsOf, formErrorOf } from '../../web/shared/field-errors';

describe('API errors in the console and portal forms', () => {
  it('reads both error shapes: {error, code, details} and {error: {code, message, details}}', () => {
    const flat = toApiError(400, { error: 'Invalid request body', code: 'validation_failed', details: { url: ['Required'] } });
    expect(flat).toMatchObject({ status: 400, code: 'validation_failed', message: 'Invalid request body', details: { url: ['Required'] } });
    const nested = toApiError(401, { error: { code: 'unauthorized', message: 'Wrong key' } });
    expect(nested).toMatchObject({ status: 401, code: 'unauthorized', message: 'Wrong key', details: {} });
    expect(toApiError(502, undefined)).toMatchObject({ code: 'http_502', message: 'Request failed (502)' });
  });

  it('puts details at their field (nested paths included) and the rest in the form message', () => {
    const err = new ApiError(400, 'validation_failed', 'Invalid request body', { 'events.0': ['Unknown event type'], url: ['Required'], filters: ['Unknown field'] });
    expect(fieldErrorsOf(err, 'events')).toEqual(['Unknown event type']);
    expect(fieldErrorsOf(err, 'url')).toEqual(['Required']);
    expect(fieldErrorsOf(err, 'event')).toEqual([]);
    expect((formErrorOf(err, ['events', 'url']) as Error).message).toBe('Invalid request body (filters: Unknown field)');
    expect(formErrorOf(err, ['events', 'url', 'filters'])).toBeNull();
    expect((formErrorOf(new ApiError(401, 'unauthorized', 'Wrong key'), ['secret_key']) as Error).message).toBe('Wrong key');
    expect(fieldErrorsOf(new Error('network down'), 'url')).toEqual([]);
  });
});
