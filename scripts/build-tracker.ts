/**
 * `npm run build:tracker`: writes dist/tracker/signalbox.js (what the compiled API serves) and
 * prints its size; fails when it is over the 2.5 KB gzipped budget.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTracker, TRACKER_MAX_GZIP_BYTES } from '../api/tracker/build-tracker';

const TRACKER_OUT = path.resolve(__dirname, '../dist/tracker/signalbox.js');

async function main(): Promise<void> {
  const { code, gzipBytes } = await buildTracker();
  mkdirSync(path.dirname(TRACKER_OUT), { recursive: true });
  writeFileSync(TRACKER_OUT, code);
  console.log(`${path.relative(process.cwd(), TRACKER_OUT)}: ${code.length} bytes, ${gzipBytes} bytes gzipped (budget ${TRACKER_MAX_GZIP_BYTES})`);
  if (gzipBytes > TRACKER_MAX_GZIP_BYTES) throw new Error('the tracker is over its size budget');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
