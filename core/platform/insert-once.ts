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

/** Batch form of insertOnce: one unordered insert; documents whose `_id` already exists are skipped. */
export async function insertManyOnce<T extends { _id: string }>(model: Pick<Model<unknown>, 'collection'>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ code: number }> | { code: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
  }
}
