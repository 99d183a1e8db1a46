/**
 * One pagination style for every list: newest first, `limit`, cursor `before` → `nextBefore`
 * (Persequor's). The cursor is `<ISO createdAt>~<id>`, so items sharing a timestamp are neither
 * skipped nor repeated; a plain ISO timestamp is accepted too ("strictly older than").
 * Items inserted while a client pages are newer than its cursor, so they never shift a page.
 */
import { z } from 'zod';

export interface Cursor {
  createdAt: Date;
  id?: string;
}

const cursorPattern = /^(?<ts>[^~]+)(?:~(?<id>[A-Za-z0-9_]{1,64}))?$/;

export const cursorSchema = z.string().transform((raw, ctx): Cursor => {
  const match = cursorPattern.exec(raw);
  const createdAt = match?.groups ? new Date(match.groups.ts) : new Date(NaN);
  if (!match?.groups || Number.isNaN(createdAt.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be a previous nextBefore or an ISO 8601 timestamp' });
    return z.NEVER;
  }
  return { createdAt, id: match.groups.id };
});

export const sinceSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp' }).transform((s) => new Date(s));

export const listQuerySchema = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(100).default(25),
  before: cursorSchema.optional(),
  since: sinceSchema.optional(),
});

export function encodeCursor(createdAt: Date, id: string): string {
  return `${createdAt.toISOString()}~${id}`;
}

/** Mongo filter for "older than the cursor" under the sort { createdAt: -1, _id: -1 }. */
export function olderThan(cursor: Cursor | undefined, field = 'createdAt'): Record<string, unknown> {
  if (!cursor) return {};
  if (!cursor.id) return { [field]: { $lt: cursor.createdAt } };
  return { $or: [{ [field]: { $lt: cursor.createdAt } }, { [field]: cursor.createdAt, _id: { $lt: cursor.id } }] };
}

/** Mongo filter for "newer than the cursor" under the sort { createdAt: 1, _id: 1 } (walks that go oldest first). */
export function newerThan(cursor: Cursor | undefined, field = 'createdAt'): Record<string, unknown> {
  if (!cursor) return {};
  if (!cursor.id) return { [field]: { $gt: cursor.createdAt } };
  return { $or: [{ [field]: { $gt: cursor.createdAt } }, { [field]: cursor.createdAt, _id: { $gt: cursor.id } }] };
}

export function sinceFilter(since: Date | undefined, field = 'createdAt'): Record<string, unknown> {
  return since ? { [field]: { $gte: since } } : {};
}

export const newestFirst = newestFirstBy('createdAt');

/** Callers fetch `limit + 1` rows; the extra one only says whether there is a next page. */
export function toPage<T extends { _id: string; createdAt: Date }, V>(rows: T[], limit: number, view: (row: T) => V): { data: V[]; nextBefore: string | null } {
  return toPageBy(rows, limit, view, (row) => ({ at: row.createdAt, id: row._id }));
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextBefore: z.string().nullable().meta({ description: 'Pass as `before` for the next (older) page; null on the last page' }),
  });
}

/** Sort for lists ordered by another date field (e.g. `lastSeenAt`), `_id` breaking ties. */
export function newestFirstBy(field: string): Record<string, -1> {
  return { [field]: -1, _id: -1 };
}

/**
 * `toPage` for rows sorted by something other than `createdAt` (or not stored documents at all,
 * like timeline entries): `cursorOf` names the sort value and tie-break id of a row.
 */
export function toPageBy<T, V>(rows: T[], limit: number, view: (row: T) => V, cursorOf: (row: T) => { at: Date; id: string }): { data: V[]; nextBefore: string | null } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  if (rows.length <= limit || last === undefined) return { data: pageRows.map(view), nextBefore: null };
  const { at, id } = cursorOf(last);
  return { data: pageRows.map(view), nextBefore: encodeCursor(at, id) };
}
