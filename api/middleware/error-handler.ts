import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../core/platform/errors';
import type { Logger } from '../../core/platform/logger';

/** body-parser's error types, mapped to our codes (all 4xx: the client sent something we refuse). */
const bodyParserErrors: Record<string, (err: { limit?: number; message: string }) => AppError> = {
  'entity.parse.failed': () => new AppError('invalid_json', 'Malformed JSON in request body'),
  'entity.too.large': (err) => new AppError('payload_too_large', `Request body exceeds the limit of ${err.limit} bytes`),
  'encoding.unsupported': (err) => new AppError('unsupported_media_type', err.message),
  'charset.unsupported': (err) => new AppError('unsupported_media_type', err.message),
  'request.aborted': () => new AppError('validation_failed', 'Request body was aborted by the client'),
  'request.size.invalid': () => new AppError('validation_failed', 'Request body size does not match Content-Length'),
};

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const { type, status, expose } = (err ?? {}) as { type?: unknown; status?: unknown; expose?: unknown };
  if (typeof type === 'string' && bodyParserErrors[type]) return bodyParserErrors[type](err as { limit?: number; message: string });
  // Other client errors of the body parser (e.g. a corrupt gzip/deflate/br body) carry a 4xx status.
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500) return new AppError('invalid_body', `Request body could not be read: ${(err as Error).message}`);
  return new AppError('internal_error', 'Internal server error');
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const appError = toAppError(err);
    if (appError.status >= 500) logger.error({ err, reqId: (req as { id?: string }).id }, 'unhandled error');
    res.status(appError.status).json(appError.toJSON());
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}`));
};

/** Bodies must be of these types (JSON by default): anything else on a request that carries a body is a 415. */
export function requireBodyType(types: string[]): RequestHandler {
  return (req, res, next) => {
    if (res.locals.bodyTypeChecked) return next();
    res.locals.bodyTypeChecked = true;
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(types)) {
      return next(new AppError('unsupported_media_type', `Content-Type must be ${types[0]} (got ${req.headers['content-type'] ?? 'none'})`));
    }
    next();
  };
}

export const requireJsonBody = requireBodyType(['application/json', 'application/*+json']);
