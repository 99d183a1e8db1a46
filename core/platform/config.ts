import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A duration like `500ms`, `5s`, `30m`, `2h`, `5d` (or plain milliseconds), as milliseconds. */
const duration = z.string().transform((raw, ctx) => {
  const value = toMs(raw);
  if (value === undefined || value < 0) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 5s, 30m, 2h or 5d` });
    return z.NEVER;
  }
  return value;
});

function toMs(raw: string): number | undefined {
  if (/^\d+$/.test(raw)) return Number(raw);
  try {
    const value = msToNumber(raw as `${number}s`);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const durationList = z.string().transform((raw, ctx) => {
  const parts = raw.split(',').map((p) => p.trim());
  const values = parts.map((p) => duration.safeParse(p));
  if (parts.length === 0 || values.some((v) => !v.success)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of durations, e.g. 0s,5s,5m,30m' });
    return z.NEVER;
  }
  return values.map((v) => v.data as number);
});

const port = z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be a port number (0-65535)').max(65535, 'must be a port number (0-65535)');
const positiveInt = z.coerce.number({ error: 'must be a positive whole number' }).int('must be a positive whole number').positive('must be a positive whole number');

/** Every environment variable Signalbox reads, with its default. Validated once at start-up. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** Base URL printed in docs and examples; defaults to http://localhost:API_PORT. */
  PUBLIC_URL: z.url().optional(),
  /** Largest accepted request body, in bytes. */
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  /** Number of reverse proxies in front of the API whose X-Forwarded-For is trusted. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),

  MONGODB_URI: z
    .string({ error: 'is required (e.g. mongodb://127.0.0.1:27017/signalbox)' })
    .regex(/^mongodb(\+srv)?:\/\/.+/, 'must be a mongodb:// or mongodb+srv:// URI'),

  /** Connections per process. Small suits FerretDB/SQLite (one writer at a time); raise it for MongoDB. */
  MONGODB_MAX_POOL_SIZE: positiveInt.default(10),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('signalbox'),
  /** Shown in printed links; the dev stack sets it. */
  TEMPORAL_UI_URL: z.url().optional(),

  /** Activities one worker runs at once; beyond it tasks wait in Temporal, not in the database's queue. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(20),
  /**
   * Workflows a worker keeps in memory between tasks. Every active visitor has a workflow; one that
   * falls out of the cache is replayed from its whole history on its next event (the SDK's default
   * is about 750 on a 4 GB heap, fewer than the visitors of a busy site).
   */
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(5000),

  /** Guards /admin/v1. Admin API is off when unset. */
  SIGNALBOX_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),

  /** Per-key defaults; a workspace may override them. */
  RATE_LIMIT_PER_MINUTE: positiveInt.default(60),
  RATE_LIMIT_PER_DAY: positiveInt.default(5000),

  /** Ingest limits, counted in memory by each API process (no database round trip per event). */
  INGEST_RATE_LIMIT_PER_MINUTE: positiveInt.default(60_000),
  /** Pulsora's per-IP limit for publishable-key (browser) ingest. */
  INGEST_IP_RATE_LIMIT_PER_HOUR: positiveInt.default(2000),
  /** Requests with a well-formed but unknown or revoked key, per client IP (IPv6: per /64) and minute, before further keys from it are refused unread (429). */
  AUTH_FAILURES_PER_IP_PER_MINUTE: positiveInt.default(100),
  /** How long an API process trusts a key it looked up for ingest; revocation applies within it. */
  INGEST_KEY_CACHE_TTL: duration.pipe(z.number().max(300_000, 'must be at most 5m')).prefault('10s'),

  /** Development only: allow webhook targets over http:// and on private or loopback addresses. */
  ALLOW_PRIVATE_WEBHOOK_TARGETS: bool.default(false),

  /** Delay before each delivery attempt (Svix's schedule, about 28 h in all); a workspace may override it. */
  WEBHOOK_RETRY_SCHEDULE: durationList.prefault('0s,5s,5m,30m,2h,5h,10h,10h'),
  /** Each delay is randomised by ± this fraction so retries from an outage do not arrive in lockstep. */
  WEBHOOK_RETRY_JITTER: z.coerce.number({ error: 'must be a number' }).min(0).max(0.5).default(0.2),
  /** One deadline per attempt for connect, headers and the whole body. */
  WEBHOOK_TIMEOUT: duration.pipe(z.number().min(100, 'must be at least 100ms').max(30_000, 'must be at most 30s')).prefault('10s'),
  /** A subscription whose deliveries all failed for this long (and at least WEBHOOK_AUTO_DISABLE_MIN_FAILURES times) is disabled. */
  WEBHOOK_AUTO_DISABLE_AFTER: duration.prefault('5d'),
  WEBHOOK_AUTO_DISABLE_MIN_FAILURES: positiveInt.default(10),
  /** First delivery attempts go in batches through this many dispatch workflows (`webhook-dispatch-<n>`); a subscription maps to one by a stable hash. */
  WEBHOOK_DISPATCH_PARTITIONS: positiveInt.pipe(z.number().max(256, 'must be at most 256')).default(4),
  /** Requests in flight at once to one endpoint from one batch. */
  WEBHOOK_ENDPOINT_CONCURRENCY: positiveInt.pipe(z.number().max(256, 'must be at most 256')).default(32),
  /** Consecutive failed attempts that open an endpoint's circuit: its deliveries then wait in the database while it is probed. */
  WEBHOOK_CIRCUIT_FAILURES: positiveInt.default(10),
  /** Delays between probes of an endpoint whose circuit is open; the last one repeats. */
  WEBHOOK_CIRCUIT_PROBE_SCHEDULE: durationList.prefault('5s,10s,30s,1m,2m,5m,10m'),
  /** How long the previous secret keeps signing after POST /webhooks/:id/rotate-secret. */
  WEBHOOK_SECRET_GRACE: duration.prefault('24h'),
  /** Events, deliveries, attempts and the processed-ingest log older than this are removed by the retention schedule. */
  RETENTION_MAX_AGE: duration.pipe(z.number().min(86_400_000, 'must be at least 24h (ingest messageIds are deduplicated that long)')).prefault('30d'),
  /**
   * Which pipeline applies ingest: `visitors` (one entity workflow per visitor) or `partitions`
   * (INGEST_PARTITIONS long-running workflows, each applying batches of many visitors' events).
   */
  INGEST_PIPELINE: z.enum(['visitors', 'partitions']).default('partitions'),
  /** Partitions in `partitions` mode; a visitor maps to one by a stable hash. Changing it while events are in flight may reorder a visitor's events across the switch. */
  INGEST_PARTITIONS: positiveInt.pipe(z.number().max(256, 'must be at most 256')).default(4),
  /** In `partitions` mode, how long one run of a partition's activity polls before it reports to its workflow (the state query's freshness; a run costs 6 history events). */
  INGEST_PARTITION_RUN: duration.pipe(z.number().min(200, 'must be at least 200ms').max(9 * 60_000, 'must be at most 9m')).prefault('1m'),
  /** Whether identified people get the person workflow (enrichment, lead scoring, decay); off only to measure its cost. */
  PERSON_PIPELINE: bool.default(true),
  /** Facts about a person arriving within this long of its last scoring are scored together, once the interval has passed (its first score is immediate). */
  PERSON_SCORE_INTERVAL: duration.pipe(z.number().max(3_600_000, 'must be at most 1h')).prefault('5s'),
  /**
   * How long one slice (activity) of a segment backfill runs before reporting to its workflow.
   * Each slice is one query, which FerretDB answers by reading (and sorting) every remaining
   * subject first: long slices keep a big backfill to a few such reads. Progress on the API is
   * written every second whatever this is.
   */
  SEGMENT_BACKFILL_SLICE: duration.pipe(z.number().min(50, 'must be at least 50ms').max(600_000, 'must be at most 10m')).prefault('60s'),
  /** Calls per second to each enrichment provider across all workers (Temporal's task-queue activity rate limit). */
  ENRICH_RATE_EMAIL_DOMAIN: z.coerce.number({ error: 'must be a number' }).positive().default(200),
  ENRICH_RATE_IP_NETWORK: z.coerce.number({ error: 'must be a number' }).positive().default(200),
  ENRICH_RATE_HTTP: z.coerce.number({ error: 'must be a number' }).positive().default(5),
  /** First retry delay of a failing enrichment call; it doubles up to ENRICH_RETRY_MAX_INTERVAL. */
  ENRICH_RETRY_INITIAL: duration.prefault('5s'),
  ENRICH_RETRY_MAX_INTERVAL: duration.prefault('10m'),
  /** Attempts of one enrichment call before the provider's result is left as failed (the next visit tries again). */
  ENRICH_RETRY_MAX_ATTEMPTS: positiveInt.default(12),
  /** Stored events not fanned out after this long are picked up by the outbox sweep. */
  OUTBOX_SWEEP_AFTER: duration.prefault('30s'),
}).superRefine((config, ctx) => {
  // Retention must never remove a delivery still retrying, nor the event it sends.
  const window = retryWindowMs(config.WEBHOOK_RETRY_SCHEDULE, config.WEBHOOK_RETRY_JITTER);
  if (config.RETENTION_MAX_AGE <= window) {
    ctx.addIssue({ code: 'custom', path: ['RETENTION_MAX_AGE'], message: `must be longer than the webhook retry window (${Math.ceil(window / 3_600_000)} h: WEBHOOK_RETRY_SCHEDULE stretched by WEBHOOK_RETRY_JITTER)` });
  }
  // Each dispatch (and ingest) partition's run holds an activity slot for minutes: one worker may
  // hold them all, and must keep half its slots for everything else.
  const ingestPartitions = config.INGEST_PIPELINE === 'partitions' ? config.INGEST_PARTITIONS : 0;
  if ((config.WEBHOOK_DISPATCH_PARTITIONS + ingestPartitions) * 2 > config.WORKER_MAX_CONCURRENT_ACTIVITIES) {
    const what = ingestPartitions ? 'WEBHOOK_DISPATCH_PARTITIONS + INGEST_PARTITIONS' : 'WEBHOOK_DISPATCH_PARTITIONS';
    ctx.addIssue({ code: 'custom', path: ['WORKER_MAX_CONCURRENT_ACTIVITIES'], message: `must be at least twice ${what} (${config.WEBHOOK_DISPATCH_PARTITIONS + ingestPartitions}): each partition's run holds an activity slot` });
  }
});

/** The longest a delivery can keep retrying: every delay of the schedule at its most jittered. */
export function retryWindowMs(scheduleMs: readonly number[], jitter: number): number {
  return scheduleMs.reduce((sum, delay) => sum + delay, 0) * (1 + jitter);
}

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment; the error message is one line naming the first bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = configSchema.safeParse(stripEmpty(env));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue.path[0] ?? 'environment');
  const got = env[variable];
  const message = got === undefined || got === '' ? issue.message : `${issue.message} (got "${redactValue(variable, got)}")`;
  throw new ConfigError(`Invalid configuration: ${variable} ${message}`);
}

/** Loads config for a process entry point, exiting with one clear line when it is invalid. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

export function publicUrl(config: Config): string {
  return config.PUBLIC_URL ?? `http://localhost:${config.API_PORT}`;
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function redactValue(variable: string, value: string): string {
  return /TOKEN|SECRET|PASSWORD|URI/.test(variable) ? '***' : value;
}
