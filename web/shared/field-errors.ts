/** Where an API error shows in a form: its `details` at their fields, the rest above the button. */
import { ApiError, type FieldErrors } from './api-client';

const belongsTo = (key: string, field: string) => key === field || key.startsWith(`${field}.`);

/** Field errors of an ApiError at a field path, or under it (`events.0` belongs to `events`). */
export function fieldErrorsOf(error: unknown, field: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.details).flatMap(([key, messages]) => (belongsTo(key, field) ? messages : []));
}

/** What a form shows above its button: the message, with the details no field shown took; null when the fields show it all. */
export function formErrorOf(error: unknown, shownFields: string[]): unknown {
  if (!(error instanceof ApiError)) return error;
  const keys = Object.keys(error.details);
  const unshown = keys.filter((k) => !shownFields.some((f) => belongsTo(k, f)));
  if (keys.length > 0 && unshown.length === 0) return null;
  const extra = unshown.map((k) => `${k}: ${(error.details as FieldErrors)[k].join(', ')}`).join('; ');
  return new Error(extra ? `${error.message} (${extra})` : error.message);
}
