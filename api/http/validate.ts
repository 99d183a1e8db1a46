import type { z } from 'zod';
import { AppError, fieldErrors } from '../../core/platform/errors';

/** Parses `value` with `schema` or throws a 400 whose details are keyed by field (prefixed by where it was). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const prefix = where === 'body' ? undefined : where;
  throw AppError.validation(fieldErrors(result.error.issues, prefix), `Invalid request ${where}`);
}
