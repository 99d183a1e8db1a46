/**
 * Which failures are the infrastructure's (retry until it is back: nothing accepted is dropped)
 * and which are the input's (retry a few times, then park the event so its visitor goes on).
 */
import { isSqliteBusy } from './sqlite-busy-retry';

const transientNames = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoWriteConcernError',
]);
const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
/** gRPC status codes from Temporal's client: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED. */
const transientGrpcCodes = new Set([14, 4, 8, 10, 1]);

export function isTransientError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (transientNames.has(e.name) || isSqliteBusy(e)) return true;
    const { code, errorLabels } = e as { code?: unknown; errorLabels?: unknown };
    if (typeof code === 'string' && transientCodes.has(code)) return true;
    if (Array.isArray(errorLabels) && (errorLabels.includes('RetryableWriteError') || errorLabels.includes('ResetPool'))) return true;
    // Temporal's ServiceError keeps the gRPC error (with its numeric code) as the cause.
    if (e.name === 'ServiceError' && typeof (e.cause as { code?: unknown } | undefined)?.code === 'number' && transientGrpcCodes.has((e.cause as { code: number }).code)) return true;
  }
  return false;
}
