import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startProcess, waitUntil, type ManagedProcess } from './child-process';

export interface EmbeddedDatabase {
  /** Base URI without a database name, e.g. mongodb://127.0.0.1:27017 */
  uri: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts FerretDB (MongoDB wire protocol on SQLite) and waits until it answers `ping`. */
export async function startFerretDb(opts: { bin: string; dataDir: string; port: number; logDir: string }): Promise<EmbeddedDatabase> {
  const logFile = join(opts.logDir, 'ferretdb.log');
  const proc = startProcess('ferretdb', opts.bin, ['-listen-addr', `127.0.0.1:${opts.port}`, '-sqlite-dir', opts.dataDir], logFile);
  const uri = `mongodb://127.0.0.1:${opts.port}`;
  await waitUntil('FerretDB', () => pingMongo(uri), { timeoutMs: 30_000, process: proc, logFile });
  return { uri, port: opts.port, process: proc, stop: () => proc.stop() };
}

export async function pingMongo(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close().catch(() => undefined);
  }
}
