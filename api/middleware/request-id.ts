import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Reuses a caller's X-Request-Id when it is sane, otherwise makes one; always echoes it back. */
export const assignRequestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : `req_${randomUUID()}`;
  (req as Request & { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
  next();
};

export function requestIdOf(req: Request): string {
  return (req as Request & { id?: string }).id ?? 'unknown';
}
