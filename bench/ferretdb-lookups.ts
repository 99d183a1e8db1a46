/**
 * How point operations by `_id` scale with collection size on the embedded database:
 *   ./scripts/bench ferretdb-lookups
 * FerretDB v1.24 scans the whole table for them unless the launcher's expression index
 * (tools/ferretdb/id_index.go) is present; this prints ops/s at 1k, 10k and 30k documents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../scripts/stack/child-process';
import { startFerretDb } from '../scripts/stack/ferretdb';
import { installSqliteBusyRetry } from '../core/platform/sqlite-busy-retry';

type Doc = { _id: string; workspaceId: string; data: Record<string, unknown>; receivedAt: Date; processedAt?: Date };

async function main(): Promise<void> {
  installSqliteBusyRetry();
  const bin = process.env.SIGNALBOX_FERRETDB_BIN;
  if (!bin) throw new Error('Run through ./scripts/bench ferretdb-lookups (it builds FerretDB and sets SIGNALBOX_FERRETDB_BIN)');
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-bench-ferretdb-'));
  const db = await startFerretDb({ bin, dataDir: dir, port: await freePort(), logDir: dir });
  const client = await new MongoClient(db.uri, { maxPoolSize: 10 }).connect();
  const docs = client.db('bench').collection<Doc>('docs');
  const doc = (i: number): Doc => ({ _id: `e${i}`, workspaceId: 'ws_bench', data: { url: 'https://example.com/pricing', title: 'Pricing', timestamp: Date.now() }, receivedAt: new Date() });
  let count = 0;
  try {
    for (const size of [1000, 10_000, 30_000]) {
      await measure(`insert up to ${size}`, size - count, async () => docs.insertOne(doc(count++)));
      const some = (i: number) => `e${(i * 37) % count}`;
      await measure(`findOne by _id @${size}`, 300, (i) => docs.findOne({ _id: some(i) }));
      await measure(`updateOne by _id @${size}`, 200, (i) => docs.updateOne({ _id: some(i) }, { $set: { processedAt: new Date() } }));
      await measure(`deleteOne by _id @${size}`, 100, (i) => docs.deleteOne({ _id: some(i + 11) }));
    }
  } finally {
    await client.close();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `count` operations, 8 at a time, and prints the rate. */
async function measure(label: string, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) await op(next++);
    }),
  );
  const ms = performance.now() - started;
  console.log(`${label.padEnd(26)} ${String(Math.round((count / ms) * 1000)).padStart(6)} ops/s  ${(ms / count).toFixed(2)} ms/op`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
