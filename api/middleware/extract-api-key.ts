import type { Request } from 'express';
import { AppError } from '../../core/platform/errors';

/** Reads the key from `Authorization: Bearer|Token <key>`, `X-API-Key` or `X-API-Token`. */
export function extractApiKey(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError('unauthorized', "Authorization header must be 'Bearer <key>' or 'Token <key>'");
    return match[1];
  }
  const apiKey = req.headers['x-api-key'] ?? req.headers['x-api-token'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
