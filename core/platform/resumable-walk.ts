import { databaseIsFerretDb } from './db';

/** Where a walk over a collection resumes: the last `_id` read (MongoDB) and how many were read (FerretDB). */
export interface ResumeAt {
  afterId: string | null;
  skip: number;
}

/**
 * Orders a walk over many documents read by one cursor: `_id` order on MongoDB (the caller adds
 * `_id > afterId`). FerretDB sorts in memory after reading every match, so there the walk keeps
 * the stored order (SQLite's rowid: stable, new rows at the end) and skips what it has read; a
 * document leaving the walk's filter meanwhile (a person merged away) shifts it by one.
 */
export function resumable<Q extends { sort(arg: Record<string, 1>): Q; skip(n: number): Q }>(query: Q, from: ResumeAt): Q {
  return databaseIsFerretDb() ? query.skip(from.skip) : query.sort({ _id: 1 });
}
