/**
 * Generic HTTP enrichment provider: POSTs `{email, domain, ip, name}` as JSON to the URL a
 * workspace configured and maps fields of the JSON answer onto person_details /
 * company_details with the workspace's mapping (target ← source dot path).
 *
 * The URL gets the webhook SSRF policy (core/webhooks/ssrf.ts): https only and no private,
 * loopback or metadata targets, checked on the URL and again on every DNS answer at connect
 * time, unless the caller passes `policy: { allowPrivate: true }` (what webhooks do with
 * `config.ALLOW_PRIVATE_WEBHOOK_TARGETS`, for development and tests). Redirects are not followed.
 *
 * Every failure is a ProviderError: timeouts, network errors, 408/429 and 5xx are retryable;
 * other statuses, refused URLs and answers that are not a JSON object (or exceed 1 MB) are not.
 */
import { request, type Dispatcher } from 'undici';
import { errorChain } from '../../platform/error-chain';
import { normalizeDomain } from '../../companies/company-from-identity';
import { employeeRangeSchema } from '../../events/payloads';
import { checkWebhookTarget, SSRF_ERROR_CODE, type TargetPolicy } from '../../webhooks/ssrf';
import { createGuardedAgentPool } from '../../webhooks/guarded-agent-pool';
import { FORBIDDEN_SEGMENTS, isMappingTarget, sourcePathProblem, type HttpProviderSettings } from '../enrichment-settings';
import { ProviderError } from '../provider-error';

export type { HttpProviderSettings } from '../enrichment-settings';

export interface HttpProviderInput {
  email: string | null;
  domain: string | null;
  ip: string | null;
  name: string | null;
}

export interface HttpProviderResult {
  person_details: Record<string, string>;
  company_details: Record<string, string>;
  /** Mapping targets whose source held a value that could not be used (object, bad URL, …). */
  ignored: string[];
}

export interface HttpProviderOptions {
  /** Cancels the call (e.g. activity cancellation); the configured timeout applies regardless. */
  signal?: AbortSignal;
  /** SSRF policy, as for webhooks; defaults to the strict production policy. */
  policy?: TargetPolicy;
}

/** Largest answer read; a larger one is refused as invalid_response. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Longest string kept in a mapped field; longer ones are cut. */
export const MAX_FIELD_LENGTH = 500;
const DRAINED_ERROR_BODY_BYTES = 64 * 1024;
const USER_AGENT = 'Signalbox-Enrichment/1';
const STRICT_POLICY: TargetPolicy = { allowPrivate: false };

const pool = createGuardedAgentPool();
const agentFor = pool.agentFor;

/** Closes pooled connections (worker shutdown, tests); later calls open new pools. */
export async function closeHttpProviderAgents(): Promise<void> {
  await pool.close();
}

export async function callHttpProvider(settings: HttpProviderSettings, input: HttpProviderInput, opts: HttpProviderOptions = {}): Promise<HttpProviderResult> {
  if (!settings.enabled || !settings.url) throw new ProviderError('not_configured', 'The HTTP provider is not enabled or has no URL', { retryable: false });
  const policy = opts.policy ?? STRICT_POLICY;
  const target = checkWebhookTarget(settings.url, policy);
  if (!target.ok) throw new ProviderError('ssrf_blocked', `Provider URL refused: ${target.reason}`, { retryable: false });

  const timeoutMs = Math.max(1, Math.floor(settings.timeout_ms));
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT };
  if (settings.auth_header) headers[settings.auth_header.name.toLowerCase()] = settings.auth_header.value;
  const secrets = settings.auth_header ? [settings.auth_header.value] : [];

  let text: string;
  try {
    const response = await request(target.url, {
      method: 'POST',
      body: JSON.stringify({ email: input.email ?? null, domain: input.domain ?? null, ip: input.ip ?? null, name: input.name ?? null }),
      headers,
      dispatcher: agentFor(policy),
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const status = response.statusCode;
    if (status < 200 || status >= 300) {
      await response.body.dump({ limit: DRAINED_ERROR_BODY_BYTES }).catch(() => undefined);
      const retryable = status === 408 || status === 429 || status >= 500;
      const redirect = status >= 300 && status < 400 ? '; redirects are not followed' : '';
      throw new ProviderError('http_status', `Provider answered ${status}${redirect}`, { retryable, status });
    }
    text = await readCapped(response.body, response.headers['content-length']);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw providerErrorOf(error, { deadlinePassed: deadline.signal.aborted, callerAborted: opts.signal?.aborted === true, timeoutMs, secrets });
  } finally {
    clearTimeout(timer);
  }
  return mapProviderAnswer(parseAnswer(text), settings.mapping);
}

async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined): Promise<string> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared > MAX_ANSWER_BYTES) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Leaving the loop destroys the stream and its connection: the rest is never read.
    if (size > MAX_ANSWER_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ProviderError {
  return new ProviderError('invalid_response', `Provider answer is larger than ${MAX_ANSWER_BYTES} bytes`, { retryable: false });
}

function parseAnswer(text: string): Record<string, unknown> {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ProviderError('invalid_response', 'Provider answer is not JSON', { retryable: false });
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new ProviderError('invalid_response', 'Provider answer is not a JSON object', { retryable: false });
  }
  return answer as Record<string, unknown>;
}

// ---- errors -------------------------------------------------------------------------------

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function providerErrorOf(error: unknown, context: { deadlinePassed: boolean; callerAborted: boolean; timeoutMs: number; secrets: string[] }): ProviderError {
  const chain = errorChain(error);
  const codes = chain.map((link) => (typeof link.code === 'string' ? link.code : ''));
  if (codes.includes(SSRF_ERROR_CODE)) return new ProviderError('ssrf_blocked', 'Provider URL resolves to a blocked address', { retryable: false });
  if (context.deadlinePassed || codes.some((code) => TIMEOUT_CODES.has(code))) {
    return new ProviderError('timeout', `Provider timed out after ${context.timeoutMs} ms`, { retryable: true });
  }
  if (context.callerAborted) return new ProviderError('network', 'Provider call aborted by the caller', { retryable: true });
  const innermostFirst = chain.reverse();
  const code = innermostFirst.map((link) => link.code).find((candidate): candidate is string => typeof candidate === 'string');
  const detail = innermostFirst.map((link) => link.message).find((message): message is string => typeof message === 'string' && message.length > 0);
  const message = `Provider request failed${code ? ` (${code})` : ''}${detail ? `: ${detail}` : ''}`;
  const redacted = context.secrets.filter((secret) => secret.length >= 4).reduce((text, secret) => text.split(secret).join('[redacted]'), message);
  return new ProviderError('network', redacted.replace(/\s+/g, ' ').slice(0, 300), { retryable: true });
}

// ---- mapping ------------------------------------------------------------------------------

const URL_FIELDS = new Set(['person_details.website', 'person_details.linkedin', 'person_details.twitter', 'company_details.website', 'company_details.linkedin']);
const EMPLOYEE_BUCKETS: Array<[number, string]> = [
  [10, '1-10'],
  [50, '11-50'],
  [200, '51-200'],
  [500, '201-500'],
  [1000, '501-1000'],
  [5000, '1001-5000'],
  [10000, '5001-10000'],
];

/** `person.title` in `answer`, through own properties only; undefined when absent or refused. */
export function valueAtPath(answer: unknown, path: string): unknown {
  if (sourcePathProblem(path)) return undefined;
  let current: unknown = answer;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    // JSON.parse makes `__proto__` an own property; never walk into it (nor constructor/prototype).
    if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (Array.isArray(current) && !/^\d+$/.test(segment)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

type Mapped = { value: string } | { ignored: true } | { absent: true };

/** One field value for `target`, by the rules of that field. */
function mapValue(target: string, raw: unknown): Mapped {
  if (raw === undefined || raw === null) return { absent: true };
  if (typeof raw === 'object') return { ignored: true };
  if (target === 'company_details.employee_range') return employeeRange(raw);
  let text: string;
  if (typeof raw === 'string') text = raw.trim();
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else if (typeof raw === 'boolean') text = String(raw);
  else return { ignored: true };
  if (text.length === 0) return { absent: true };
  if (URL_FIELDS.has(target)) return webUrl(text);
  if (target === 'company_details.domain') {
    const domain = text.length <= 253 ? normalizeDomain(text) : null;
    return domain ? { value: domain } : { ignored: true };
  }
  if (target === 'company_details.country_code') return /^[A-Za-z]{2}$/.test(text) ? { value: text.toUpperCase() } : { ignored: true };
  return { value: text.slice(0, MAX_FIELD_LENGTH) };
}

function webUrl(text: string): Mapped {
  if (text.length > MAX_FIELD_LENGTH) return { ignored: true };
  try {
    const url = new URL(text);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname && url.href.length <= MAX_FIELD_LENGTH) return { value: url.href };
  } catch {
    // Not a URL.
  }
  return { ignored: true };
}

function employeeRange(raw: unknown): Mapped {
  if (typeof raw === 'string') {
    const parsed = employeeRangeSchema.safeParse(raw.trim());
    return parsed.success ? { value: parsed.data } : { ignored: true };
  }
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 1) {
    const bucket = EMPLOYEE_BUCKETS.find(([max]) => raw <= max);
    return { value: bucket ? bucket[1] : '10001+' };
  }
  return { ignored: true };
}

/**
 * Pure: applies `mapping` to a provider answer. Never throws; every kept value is a string.
 * Targets outside the allowed list and source paths the settings schema refuses are ignored.
 */
export function mapProviderAnswer(answer: unknown, mapping: Partial<Record<string, string>>): HttpProviderResult {
  const result: HttpProviderResult = { person_details: {}, company_details: {}, ignored: [] };
  for (const [target, source] of Object.entries(mapping)) {
    if (!isMappingTarget(target) || typeof source !== 'string' || sourcePathProblem(source)) {
      result.ignored.push(target);
      continue;
    }
    const mapped = mapValue(target, valueAtPath(answer, source));
    if ('ignored' in mapped) result.ignored.push(target);
    else if ('value' in mapped) {
      const [group, field] = target.split('.') as ['person_details' | 'company_details', string];
      result[group][field] = mapped.value;
    }
  }
  return result;
}
