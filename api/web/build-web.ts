/**
 * Builds the console and the subscriber portal (web/console, web/portal: preact + htm, no JSX) into
 * one minified ES module each with esbuild (a dev dependency: only called from source —
 * `npm run build:web` and the API run with tsx).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const WEB_APPS = ['console', 'portal'] as const;
export type WebApp = (typeof WEB_APPS)[number];
export const WEB_STYLES = path.resolve(__dirname, '../../web/shared/styles.css');

export async function buildWebApp(app: WebApp): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.resolve(__dirname, `../../web/${app}/main.ts`)],
    bundle: true,
    format: 'esm',
    minify: true,
    target: ['es2020'],
    legalComments: 'none',
    write: false,
  });
  return result.outputFiles[0].text;
}

export function readWebStyles(): Promise<string> {
  return readFile(WEB_STYLES, 'utf8');
}
