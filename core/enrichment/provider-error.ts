/**
 * The one error every enrichment provider throws. `errorClass` says what went wrong in a fixed
 * vocabulary callers can record and count; `retryable` says whether trying again later may help
 * (a timeout, a 5xx or a 429 may; a 404, a garbage body or a refused URL will not).
 */
export const providerErrorClasses = ['timeout', 'network', 'http_status', 'invalid_response', 'invalid_input', 'ssrf_blocked', 'not_configured'] as const;
export type ProviderErrorClass = (typeof providerErrorClasses)[number];

export class ProviderError extends Error {
  readonly errorClass: ProviderErrorClass;
  readonly retryable: boolean;
  /** The provider's HTTP status, when it answered one. */
  readonly status?: number;

  constructor(errorClass: ProviderErrorClass, message: string, opts: { retryable: boolean; status?: number }) {
    super(message);
    this.name = 'ProviderError';
    this.errorClass = errorClass;
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
  }
}
