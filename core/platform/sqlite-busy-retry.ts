/**
 * FerretDB on SQLite answers a write with "database is locked (SQLITE_BUSY)" when two writers
 * collide on a transaction upgrade (SQLite refuses at once rather than wait). The statement
 * was rolled back, so repeating it is safe. Real MongoDB never sends this error, so the retry
 * is inert there. Installed once, on the driver, so every repository write is covered.
 */
import { Collection } from 'mongodb';

const WRITE_METHODS = [
  'insertOne',
  'insertMany',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'bulkWrite',
  'createIndex',
] as const;

const MAX_ATTEMPTS = 12;
let installed = false;

export function isSqliteBusy(err: unknown): boolean {
  return err instanceof Error && err.message.includes('SQLITE_BUSY');
}

export function installSqliteBusyRetry(): void {
  if (installed) return;
  installed = true;
  addBusyRetry(Collection.prototype as unknown as Record<string, unknown>);
}

/** Wraps the write methods of `target` (the driver's Collection prototype) with the retry. */
export function addBusyRetry(target: Record<string, unknown>): void {
  const proto = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of WRITE_METHODS) {
    if (typeof proto[method] !== 'function') continue;
    const original = proto[method];
    proto[method] = async function retryingOnSqliteBusy(this: unknown, ...args: unknown[]) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await original.apply(this, args);
        } catch (err) {
          if (!isSqliteBusy(err) || attempt >= MAX_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        }
      }
    };
  }
}
