import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';
import { mapBounded } from './bounded-parallel';
import { databaseIsFerretDb } from './db';

/** One-document commands in flight at once on FerretDB (its SQLite pool has 100 connections, shared). */
const FERRETDB_CONCURRENCY = 8;

/**
 * Unordered writes of independent documents: one bulkWrite on MongoDB; on FerretDB one command
 * each, a few in parallel, because a multi-statement write holds a SQLite connection per
 * statement there (see databaseIsFerretDb).
 */
export async function writeEach<T extends Document>(collection: Collection<T>, ops: ReadonlyArray<AnyBulkWriteOperation<T>>): Promise<void> {
  if (ops.length === 0) return;
  if (!databaseIsFerretDb()) {
    await collection.bulkWrite(ops as AnyBulkWriteOperation<T>[], { ordered: false });
    return;
  }
  await mapBounded(ops, FERRETDB_CONCURRENCY, async (op) => {
    if ('updateOne' in op) await collection.updateOne(op.updateOne.filter, op.updateOne.update, { upsert: op.updateOne.upsert });
    else if ('replaceOne' in op) await collection.replaceOne(op.replaceOne.filter, op.replaceOne.replacement, { upsert: op.replaceOne.upsert });
    else if ('deleteOne' in op) await collection.deleteOne(op.deleteOne.filter);
    else throw new Error('writeEach: unsupported operation');
  });
}
