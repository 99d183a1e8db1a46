/**
 * One outbound webhook POST, for delivery activities. It never throws: every outcome, including
 * refusals and network failures, is a `WebhookHttpResult` the caller can record and retry on.
 */
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import { errorChain } from '../core/platform/error-chain';
import type { DeliveryErrorClass } from '../core/webhooks/delivery.model';
import { checkWebhookTarget, SSRF_ERROR_CODE, type TargetPolicy } from '../core/webhooks/ssrf';
import { createGuardedAgentPool } from '../core/webhooks/guarded-agent-pool';

export interface WebhookHttpRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** One deadline for connect, response headers and the whole response body. */
  timeoutMs: number;
  policy: TargetPolicy;
}

export interface WebhookHttpResult {
  /** 2xx only. */
  ok: boolean;
  status?: number;
  durationMs: number;
  /** Only the headers worth keeping with a delivery attempt, lower-case keys. */
  responseHeaders: Record<string, string>;
  /** The first 4096 bytes of the response body, as UTF-8. */
  responseBody: string;
  errorClass?: DeliveryErrorClass;
  /** Short; never contains request headers or secrets. */
  errorMessage?: string;
  /** From Retry-After on 429 and 503 only. */
  retryAfterMs?: number;
}

const KEPT_BODY_BYTES = 4096;
/** Past this, the receiver is streaming something that is not a webhook answer: stop reading. */
const MAX_READ_BODY_BYTES = 256 * 1024;
const MAX_ERROR_MESSAGE_LENGTH = 300;
const HEADERS_OF_NOTE = ['content-type', 'content-length', 'retry-after', 'location', 'x-request-id', 'server'];

/** One keep-alive pool per policy, shared by every delivery in the process. */
const pool = createGuardedAgentPool();
const agentFor = pool.agentFor;

/** Closes the pooled connections (worker shutdown, tests). Later sends open new pools. */
export async function closeWebhookAgents(): Promise<void> {
  await pool.close();
}

export async function sendWebhook(req: WebhookHttpRequest): Promise<WebhookHttpResult> {
  const startedAt = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  const target = checkWebhookTarget(req.url, req.policy);
  if (!target.ok) return failure({ errorClass: 'ssrf_blocked', errorMessage: target.reason, durationMs: elapsedMs() });

  const timeoutMs = Math.max(1, Math.floor(req.timeoutMs));
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const received: Partial<Pick<WebhookHttpResult, 'status' | 'responseHeaders'>> = {};
  const body = new BodyPrefix();
  try {
    const response = await request(target.url, {
      method: 'POST',
      body: req.body,
      headers: req.headers,
      dispatcher: agentFor(req.policy),
      signal: deadline.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    received.status = response.statusCode;
    received.responseHeaders = headersOfNote(response.headers);
    await body.readFrom(response.body);
    return resultOfResponse(response.statusCode, received.responseHeaders, body.text(), elapsedMs());
  } catch (error) {
    const errorClass = classifyError(error, deadline.signal.aborted);
    return failure({
      ...received,
      responseBody: body.text(),
      durationMs: elapsedMs(),
      errorClass,
      errorMessage: describeError(errorClass, error, timeoutMs, Object.values(req.headers)),
    });
  } finally {
    clearTimeout(timer);
  }
}

function resultOfResponse(status: number, responseHeaders: Record<string, string>, responseBody: string, durationMs: number): WebhookHttpResult {
  const result: WebhookHttpResult = { ok: status >= 200 && status < 300, status, durationMs, responseHeaders, responseBody };
  if (status >= 300 && status < 400) {
    result.errorClass = 'redirect';
    result.errorMessage = `Receiver answered ${status}; redirects are not followed`;
  } else if (!result.ok) {
    result.errorClass = 'http_status';
    result.errorMessage = `Receiver answered ${status}`;
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(responseHeaders['retry-after']);
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  }
  return result;
}

function failure(fields: Partial<WebhookHttpResult> & Pick<WebhookHttpResult, 'durationMs' | 'errorClass'>): WebhookHttpResult {
  return { responseHeaders: {}, responseBody: '', ...fields, ok: false };
}

/** Keeps the first bytes of a body while draining it, so keep-alive connections stay reusable. */
class BodyPrefix {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;

  async readFrom(stream: Dispatcher.ResponseData['body']): Promise<void> {
    let readBytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      this.keep(chunk);
      readBytes += chunk.length;
      // Leaving the loop destroys the stream (and its connection); the answer counts as complete.
      if (readBytes >= MAX_READ_BODY_BYTES) break;
    }
  }

  text(): string {
    return Buffer.concat(this.kept).toString('utf8');
  }

  private keep(chunk: Buffer): void {
    const room = KEPT_BODY_BYTES - this.keptBytes;
    if (room <= 0) return;
    const slice = chunk.subarray(0, room);
    this.kept.push(slice);
    this.keptBytes += slice.length;
  }
}

function headersOfNote(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of HEADERS_OF_NOTE) {
    const value = headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

/** Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // Every HTTP-date form starts with a day name; Date.parse alone accepts too much (e.g. "7.5").
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED', 'UND_ERR_ABORT', 'ETIMEDOUT', 'ABORT_ERR']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || /^(CERT_|ERR_TLS_|ERR_SSL_)/.test(code);
}

/** Most specific cause wins: an SSRF refusal or our deadline explain any error they trigger. */
function classifyError(error: unknown, deadlinePassed: boolean): DeliveryErrorClass {
  const chain = errorChain(error);
  const codes = chain.map((link) => (typeof link.code === 'string' ? link.code : ''));
  const names = chain.map((link) => (typeof link.name === 'string' ? link.name : ''));
  if (codes.includes(SSRF_ERROR_CODE)) return 'ssrf_blocked';
  if (deadlinePassed || codes.some((code) => TIMEOUT_CODES.has(code))) return 'timeout';
  if (names.includes('AbortError') || names.includes('TimeoutError')) return 'timeout';
  if (codes.some(isTlsCode)) return 'tls';
  if (codes.some((code) => DNS_CODES.has(code))) return 'dns';
  if (codes.includes('ECONNREFUSED')) return 'connection_refused';
  return 'network';
}

const ERROR_LABELS: Record<DeliveryErrorClass, string> = {
  timeout: 'Timed out',
  connection_refused: 'Connection refused',
  dns: 'DNS lookup failed',
  tls: 'TLS handshake failed',
  ssrf_blocked: 'Target refused',
  redirect: 'Redirect not followed',
  http_status: 'Unexpected HTTP status',
  network: 'Network error',
};

function describeError(errorClass: DeliveryErrorClass, error: unknown, timeoutMs: number, secretValues: string[]): string {
  if (errorClass === 'timeout') return `Timed out after ${timeoutMs} ms`;
  // The innermost cause names the root problem (undici wraps socket errors).
  const innermostFirst = errorChain(error).reverse();
  const code = innermostFirst.map((link) => link.code).find((candidate): candidate is string => typeof candidate === 'string');
  const detail = innermostFirst.map((link) => link.message).find((message): message is string => typeof message === 'string' && message.length > 0);
  const message = `${ERROR_LABELS[errorClass]}${code ? ` (${code})` : ''}${detail ? `: ${detail}` : ''}`;
  return redact(message, secretValues).replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_MESSAGE_LENGTH);
}

/** Library messages should not echo header values, but signatures must never reach a log. */
function redact(message: string, values: string[]): string {
  return values.filter((value) => value.length >= 6).reduce((text, value) => text.split(value).join('[redacted]'), message);
}
