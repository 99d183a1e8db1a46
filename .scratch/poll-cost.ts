import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../scripts/stack/child-process';
import { startFerretDb } from '../scripts/stack/ferretdb';
import { installSqliteBusyRetry } from '../core/platform/sqlite-busy-retry';

async function main() {
  installSqliteBusyRetry();
  const dir = mkdtempSync(join(tmpdir(), 'poll-cost-'));
  const db = await startFerretDb({ bin: process.env.SIGNALBOX_FERRETDB_BIN!, dataDir: dir, port: await freePort(), logDir: dir });
  const client = await new MongoClient(db.uri, { maxPoolSize: 10 }).connect();
  const c = client.db('bench').collection<any>('outbox');
  let n = 0;
  const doc = () => { const i = n++; return { _id: `ie_${i}_xxxxxxxxxxxxxxxx`, workspaceId: 'ws_x', visitorId: `v_${i % 5000}`, route: (i * 2654435761) >>> 0, seq: Date.now() * 1000 + i, receivedAt: new Date(), event: { id: `ie_${i}`, type: 'pageview', workspaceId: 'ws_x', visitorId: `v_${i}`, key: `fp:abc${i}`, timestamp: Date.now(), receivedAt: Date.now(), messageId: null, context: { ip: '1.2.3.4', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36' }, data: { url: `https://example.com/pricing/${i}`, title: 'Pricing page', referrer: 'https://google.com/', visitor_fingerprint: `abc${i}` } } }; };
  const time = async (label: string, reps: number, fn: () => Promise<unknown>) => { const t = performance.now(); for (let r = 0; r < reps; r++) await fn(); console.log(label.padEnd(50), ((performance.now() - t) / reps).toFixed(1), 'ms'); };
  try {
    for (const size of [100, 1000, 5000, 20000]) {
      while (n < size) await c.insertMany(Array.from({ length: Math.min(500, size - n) }, doc));
      await time(`poll sort+limit300 @${size}`, 5, () => c.find({ route: { $mod: [4, 1] } }).sort({ seq: 1 }).limit(300).toArray());
      await time(`poll nosort limit300 @${size}`, 5, () => c.find({ route: { $mod: [4, 1] } }).limit(300).toArray());
      await time(`poll projection _id,seq sort @${size}`, 5, () => c.find({ route: { $mod: [4, 1] } }, { projection: { _id: 1, seq: 1 } }).sort({ seq: 1 }).limit(300).toArray());
      await time(`count @${size}`, 3, () => c.countDocuments({}));
      await time(`estimatedCount @${size}`, 3, () => c.estimatedDocumentCount());
      await time(`findOne by _id @${size}`, 20, () => c.findOne({ _id: `ie_${Math.floor(size / 2)}_xxxxxxxxxxxxxxxx` }));
    }
    // deletes: 100 per-_id vs one $in of 100 at 20000
    const ids = Array.from({ length: 100 }, (_, i) => `ie_${i}_xxxxxxxxxxxxxxxx`);
    await time('100 deleteOne by _id (parallel 8) @20000', 1, async () => { let k = 0; await Promise.all(Array.from({ length: 8 }, async () => { while (k < ids.length) await c.deleteOne({ _id: ids[k++] }); })); });
    const ids2 = Array.from({ length: 100 }, (_, i) => `ie_${i + 100}_xxxxxxxxxxxxxxxx`);
    await time('deleteMany $in 100 @20000', 1, () => c.deleteMany({ _id: { $in: ids2 } }));
  } finally { await client.close(); await db.stop(); rmSync(dir, { recursive: true, force: true }); }
}
main().catch((e) => { console.error(e); process.exit(1); });
