import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../scripts/stack/child-process';
import { startFerretDb } from '../scripts/stack/ferretdb';
import { installSqliteBusyRetry } from '../core/platform/sqlite-busy-retry';

async function main() {
  installSqliteBusyRetry();
  const dir = mkdtempSync(join(tmpdir(), 'id-range-'));
  const db = await startFerretDb({ bin: process.env.SIGNALBOX_FERRETDB_BIN!, dataDir: dir, port: await freePort(), logDir: dir });
  const client = await new MongoClient(db.uri, { maxPoolSize: 10 }).connect();
  const c = client.db('bench').collection<any>('outbox');
  const small = client.db('bench').collection<any>('handover');
  let n = 0;
  const key = (i: number) => `p${i % 4}:${String(1_700_000_000_000_000 + i).padStart(17, '0')}:ie_${i}`;
  const time = async (label: string, reps: number, fn: () => Promise<unknown>) => { const t = performance.now(); let r: any; for (let k = 0; k < reps; k++) r = await fn(); console.log(label.padEnd(55), ((performance.now() - t) / reps).toFixed(1), 'ms', Array.isArray(r) ? `(${r.length} docs)` : ''); };
  try {
    await c.insertOne({ _id: 'warm' }); await small.insertOne({ _id: 'warm' });
    await new Promise((r) => setTimeout(r, 2500)); // the launcher adds its _id index
    for (const size of [1000, 20000]) {
      while (n < size) { const batch = Array.from({ length: 500 }, () => n++); await c.insertMany(batch.map((i) => ({ _id: key(i), route: i, seq: i, event: { data: { url: `https://example.com/pricing/${i}`, title: 'Pricing page', referrer: 'https://google.com/' }, context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36' } } }))); await small.insertMany(batch.map((i) => ({ _id: key(i) }))); }
      await time(`big: _id range p1 limit 300 @${size}`, 5, () => c.find({ _id: { $gte: 'p1:', $lt: 'p1;' } }).limit(300).toArray());
      await time(`big: _id range p1 sort _id limit 300 @${size}`, 5, () => c.find({ _id: { $gte: 'p1:', $lt: 'p1;' } }).sort({ _id: 1 }).limit(300).toArray());
      await time(`small: _id range p1 limit 300 @${size}`, 5, () => small.find({ _id: { $gte: 'p1:', $lt: 'p1;' } }).limit(300).toArray());
      await time(`small: full scan filter @${size}`, 5, () => small.find({ x: 1 }).toArray());
      await time(`big: $in 300 _ids @${size}`, 3, () => c.find({ _id: { $in: Array.from({ length: 300 }, (_, i) => key(i * 4 + 1)) } }).toArray());
    }
  } finally { await client.close(); await db.stop(); rmSync(dir, { recursive: true, force: true }); }
}
main().catch((e) => { console.error(e); process.exit(1); });
