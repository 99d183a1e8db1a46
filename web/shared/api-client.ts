/**
 * fetch for the console and the portal: same-origin cookie, JSON in and out, and the CSRF header
 * on every write. An error answer becomes an ApiError whose `details` are keyed by field path.
 */
export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldErrors = {},
  ) {
    super(message);
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Both error shapes the API may answer with: `{error, code, details}` and `{error: {code, message, details}}`. */
export function toApiError(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { error?: unknown; code?: unknown; details?: unknown };
  const nested = typeof b.error === 'object' && b.error !== null ? (b.error as { code?: unknown; message?: unknown; details?: unknown }) : undefined;
  const code = String(nested?.code ?? b.code ?? `http_${status}`);
  const message = String(nested?.message ?? (typeof b.error === 'string' ? b.error : `Request failed (${status})`));
  const details = (nested?.details ?? b.details ?? {}) as FieldErrors;
  return new ApiError(status, code, message, details);
}

export interface ApiClient {
  request<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  get<T = any>(path: string): Promise<T>;
  setCsrf(token: string | null): void;
  /** Called on every 401 (the session ended or expired), before the error is thrown. */
  onUnauthorized: (() => void) | null;
}

export function createApiClient(base = ''): ApiClient {
  let csrf: string | null = null;
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (WRITES.has(method) && csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(base + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status === 401) client.onUnauthorized?.();
    if (!res.ok) throw toApiError(res.status, parsed);
    return parsed as T;
  };
  const client: ApiClient = {
    onUnauthorized: null,
    request,
    get: (path) => request('GET', path),
    setCsrf: (token) => {
      csrf = token;
    },
  };
  return client;
}

/** A query string from the set values only (URLSearchParams does the encoding). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
