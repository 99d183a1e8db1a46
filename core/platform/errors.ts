/**
 * The one error type of Signalbox. Code → HTTP status lives here and only here, so every
 * layer (use-cases, middleware, routes) throws AppError and the API maps it the same way.
 */
export const errorStatus = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_body: 400,
  unauthorized: 401,
  forbidden: 403,
  not_entitled: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldErrors,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toJSON(): { error: string; code: ErrorCode; details?: FieldErrors } {
    return { error: this.message, code: this.code, ...(this.details ? { details: this.details } : {}) };
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  static validation(details: FieldErrors, message = 'Request validation failed'): AppError {
    return new AppError('validation_failed', message, details);
  }
}

/** Turns zod issues into `{ "field.path": ["message", …] }`, the `details` of a 400. */
export function fieldErrors(issues: ReadonlyArray<ZodLikeIssue>, prefix?: string): FieldErrors {
  // A Map, not a plain object: field names such as `constructor` or `__proto__` are user input.
  const details = new Map<string, string[]>();
  const add = (path: ReadonlyArray<PropertyKey>, message: string) => {
    const parts = [prefix, ...path.map(String)].filter((p) => p !== undefined && p !== '');
    const key = parts.length ? parts.join('.') : '_';
    details.set(key, [...(details.get(key) ?? []), message]);
  };
  for (const issue of issues) {
    // An unknown field is reported under its own name, not under its parent object.
    if (issue.code === 'unrecognized_keys' && issue.keys) for (const key of issue.keys) add([...issue.path, key], 'Unknown field');
    else add(issue.path, issue.message);
  }
  return Object.fromEntries(details);
}

interface ZodLikeIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: readonly string[];
}

/** Mongo duplicate-key error (unique index violation), on MongoDB and FerretDB alike. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
