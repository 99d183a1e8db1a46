import type { RequestHandler } from 'express';
import { AppError } from '../../core/platform/errors';
import { jsonShapeProblems } from '../../core/platform/json-shape';

/** Refuses a parsed body with a `__proto__` key or nested too deep (400 naming the paths), before any route sees it. */
export const jsonShapeGuard: RequestHandler = (req, _res, next) => {
  const problems = req.body !== undefined && typeof req.body === 'object' ? jsonShapeProblems(req.body) : null;
  next(problems ? AppError.validation(problems, 'Request body has a field name or nesting that is not accepted') : undefined);
};
