import type { WriteConcern } from 'mongodb';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './errors';

/**
 * Inserts a document whose `_id` is derived from what it records; false when one with that id
 * already exists. The unique `_id` is what makes repeated or concurrent writers safe on every
 * Mongo-wire database (no transactions needed).
 */
export async function insertOnce<T extends { _id: string }>(model: Pick<Model<unknown>, 'collection'>, doc: T, writeConcern?: WriteConcern): Promise<boolean> {
  try {
    await model.collection.insertOne(doc as never, writeConcern ? { writeConcern } : {});
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/**
 * Batch form of insertOnce: one unordered insert; documents whose `_id` already exists are
 * skipped. Returns the ids skipped.
 */
export async function insertManyOnce<T extends { _id: string }>(model: Pick<Model<unknown>, 'collection'>, docs: T[]): Promise<Set<string>> {
  const skipped = new Set<string>();
  if (docs.length === 0) return skipped;
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ code: number; index: number }> | { code: number; index: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
    for (const e of list) skipped.add(docs[e.index]._id);
  }
  return skipped;
}

/**
 * Runs an upsert; two concurrent upserts of a new `_id` can both try the insert, and the loser
 * gets a duplicate-key error (MongoDB and FerretDB alike). Run once more, the document exists and
 * the update applies.
 */
export async function upsertRetrying<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return upsert();
  }
}

/** Replaces the document with `_id`, inserting it if absent (upsertRetrying). */
export async function replaceOrInsert<T extends { _id: string }>(model: Pick<Model<unknown>, 'collection'>, doc: T): Promise<void> {
  await upsertRetrying(() => model.collection.replaceOne({ _id: doc._id as never }, doc as never, { upsert: true }));
}
