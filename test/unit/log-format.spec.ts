import { logFormatFor, requestLogLevel } from '../../core/platform/logger';

describe('logFormatFor', () => {
  it('pretty-prints on a terminal and writes JSON otherwise (CI, docker, pipes)', () => {
    expect(logFormatFor({ isTTY: true, env: 'development' }).pretty).toBe(true);
    expect(logFormatFor({ isTTY: false, env: 'development' }).pretty).toBe(false);
    expect(logFormatFor({ isTTY: undefined, env: 'development' }).pretty).toBe(false);
    expect(logFormatFor({ isTTY: false, env: 'production' }).pretty).toBe(false);
  });

  it('drops request lines to debug in development only', () => {
    expect(logFormatFor({ isTTY: true, env: 'development' }).requestLevel).toBe('debug');
    expect(logFormatFor({ isTTY: false, env: 'development' }).requestLevel).toBe('debug');
    expect(logFormatFor({ isTTY: true, env: 'production' }).requestLevel).toBe('info');
    expect(logFormatFor({ isTTY: false, env: 'test' }).requestLevel).toBe('info');
  });
});

describe('requestLogLevel', () => {
  it('logs successful and client-error requests at debug in development', () => {
    expect(requestLogLevel('development', 200)).toBe('debug');
    expect(requestLogLevel('development', 404)).toBe('debug');
  });

  it('keeps server errors and failed responses at info everywhere', () => {
    expect(requestLogLevel('development', 500)).toBe('info');
    expect(requestLogLevel('development', 200, new Error('aborted'))).toBe('info');
  });

  it('leaves production as it was: every request at info', () => {
    for (const status of [200, 404, 503]) expect(requestLogLevel('production', status)).toBe('info');
  });
});
