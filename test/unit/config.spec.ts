import { ConfigError, parseConfig } from '../../core/platform/config';

const valid = { MONGODB_URI: 'mongodb://127.0.0.1:27017/signalbox' };

function messageOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('applies defaults for everything but the database', () => {
    const config = parseConfig(valid);
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(60);
    expect(config.RATE_LIMIT_PER_DAY).toBe(5000);
    expect(config.ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(false);
  });

  it('names a missing variable in one line', () => {
    const message = messageOf({});
    expect(message).toMatch(/^Invalid configuration: MONGODB_URI is required/);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('treats an empty value as missing', () => {
    expect(messageOf({ MONGODB_URI: '' })).toMatch(/MONGODB_URI is required/);
  });

  it('names a malformed variable and shows the value unless it is a secret', () => {
    expect(messageOf({ ...valid, API_PORT: 'eighty' })).toMatch(/^Invalid configuration: API_PORT .*\(got "eighty"\)$/);
    expect(messageOf({ ...valid, LOG_LEVEL: 'loud' })).toMatch(/^Invalid configuration: LOG_LEVEL/);
    expect(messageOf({ ...valid, API_PORT: '70000' })).toMatch(/API_PORT/);
    const secret = messageOf({ ...valid, SIGNALBOX_ADMIN_TOKEN: 'short' });
    expect(secret).toMatch(/SIGNALBOX_ADMIN_TOKEN must be at least 24 characters/);
    expect(secret).not.toContain('short"');
    expect(messageOf({ MONGODB_URI: 'postgres://x' })).toMatch(/MONGODB_URI must be a mongodb:\/\//);
  });

  it('parses booleans strictly', () => {
    expect(parseConfig({ ...valid, ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' }).ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(true);
    expect(parseConfig({ ...valid, ALLOW_PRIVATE_WEBHOOK_TARGETS: '0' }).ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(false);
    expect(messageOf({ ...valid, ALLOW_PRIVATE_WEBHOOK_TARGETS: 'maybe' })).toMatch(/ALLOW_PRIVATE_WEBHOOK_TARGETS/);
  });

  it('refuses a retention shorter than the webhook retry window, so no retrying delivery is deleted', () => {
    // The default schedule lasts ≈ 28 h, ≈ 34 h at the most jitter.
    expect(messageOf({ ...valid, RETENTION_MAX_AGE: '24h' })).toMatch(/^Invalid configuration: RETENTION_MAX_AGE must be longer than the webhook retry window \(34 h/);
    expect(parseConfig({ ...valid, RETENTION_MAX_AGE: '24h', WEBHOOK_RETRY_SCHEDULE: '0s,5s,5m,1h' }).RETENTION_MAX_AGE).toBe(86_400_000);
    expect(parseConfig({ ...valid, RETENTION_MAX_AGE: '2d' }).RETENTION_MAX_AGE).toBe(2 * 86_400_000);
    // Dispatch partitions hold an activity slot each for their whole run.
    expect(messageOf({ ...valid, WEBHOOK_DISPATCH_PARTITIONS: '16' })).toMatch(/WORKER_MAX_CONCURRENT_ACTIVITIES must be at least twice WEBHOOK_DISPATCH_PARTITIONS \+ INGEST_PARTITIONS \(20\)/);
    expect(parseConfig({ ...valid, WEBHOOK_DISPATCH_PARTITIONS: '16', WORKER_MAX_CONCURRENT_ACTIVITIES: '40' }).WEBHOOK_DISPATCH_PARTITIONS).toBe(16);
    expect(messageOf({ ...valid, INGEST_PARTITIONS: '8' })).toMatch(/WORKER_MAX_CONCURRENT_ACTIVITIES must be at least twice WEBHOOK_DISPATCH_PARTITIONS \+ INGEST_PARTITIONS \(12\)/);
    // The per-visitor pipeline holds no slot.
    expect(parseConfig({ ...valid, INGEST_PIPELINE: 'visitors', WEBHOOK_DISPATCH_PARTITIONS: '10' }).WEBHOOK_DISPATCH_PARTITIONS).toBe(10);
  });
});
