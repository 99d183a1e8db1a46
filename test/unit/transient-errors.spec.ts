import { isTransientError } from '../../core/platform/transient-errors';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('x'), { name }, extra);

describe('isTransientError', () => {
  it.each([
    ['a server selection timeout', named('MongoServerSelectionError')],
    ['a network error', named('MongoNetworkError')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['SQLite being busy', new Error('database is locked (SQLITE_BUSY)')],
    ['a retryable write', named('MongoServerError', { errorLabels: ['RetryableWriteError'] })],
    ['Temporal unavailable', named('ServiceError', { cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }) })],
    ['a wrapped outage', new Error('save failed', { cause: named('MongoNetworkTimeoutError') })],
  ])('counts %s as an outage', (_what, err) => {
    expect(isTransientError(err)).toBe(true);
  });

  it.each([
    ['a type error in the rules', new TypeError("Cannot read properties of undefined (reading 'kind')")],
    ['a validation error', named('ValidationError')],
    ['a duplicate key', named('MongoServerError', { code: 11000 })],
    ['Temporal refusing the request', named('ServiceError', { cause: Object.assign(new Error('3 INVALID_ARGUMENT'), { code: 3 }) })],
    ['a string', 'oops'],
    ['nothing', undefined],
  ])('counts %s as the input’s own failure', (_what, err) => {
    expect(isTransientError(err)).toBe(false);
  });
});
