/**
 * Structural limits on every parsed JSON body, checked before any schema or write: a key named
 * `__proto__` (JSON.parse keeps it as a plain key, but schemas and stores treat it as the
 * prototype) and nesting deeper than MAX_JSON_DEPTH (recursive walkers would overflow the stack).
 * The walk is iterative, so no body can overflow it.
 */
import type { FieldErrors } from './errors';

export const MAX_JSON_DEPTH = 32;
const MAX_REPORTED = 20;

export function jsonShapeProblems(body: unknown): FieldErrors | null {
  const problems = new Map<string, string[]>();
  const report = (path: string[], message: string) => {
    const key = path.length ? path.join('.') : '_';
    problems.set(key, [...(problems.get(key) ?? []), message]);
  };
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: body, path: [] }];
  while (stack.length > 0 && problems.size < MAX_REPORTED) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      report(path, `Nested deeper than ${MAX_JSON_DEPTH} levels`);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') report([...path, key], "Field name '__proto__' is not allowed");
      else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems.size ? Object.fromEntries(problems) : null;
}
