/**
 * Builds the browser tracker (tracker/src/signalbox.ts) into one minified IIFE with esbuild (a
 * dev dependency: only called from source — `npm run build:tracker` and the API run with tsx).
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const TRACKER_ENTRY = path.resolve(__dirname, '../../tracker/src/signalbox.ts');
/** The budget: ≤ 2.5 KB gzipped. */
export const TRACKER_MAX_GZIP_BYTES = 2560;

export async function buildTracker(): Promise<{ code: string; gzipBytes: number }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [TRACKER_ENTRY],
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['es2017'],
    legalComments: 'none',
    write: false,
  });
  const code = result.outputFiles[0].text;
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length };
}
