/**
 * GET /signalbox.js — the browser tracker. Served from dist/tracker/signalbox.js when the API runs
 * compiled (`npm run build:tracker` makes it; the Docker image does), built in memory with esbuild
 * when it runs from source (./scripts/dev, tests), so it is never stale there.
 *
 * - /signalbox.js: cached for an hour (then revalidated with its ETag), so a new version reaches
 *   pages that paste the plain URL within the hour;
 * - /signalbox.<hash>.js and /signalbox.js?v=<hash> (the hash is in the ETag and in `X-Signalbox-Script`):
 *   cached for a year, immutable. An old hash gets the current script with the short caching.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Express, Request, Response } from 'express';
import type { Logger } from 'pino';

export interface TrackerScript {
  code: Buffer;
  gzip: Buffer;
  hash: string;
}

async function loadTrackerScript(): Promise<TrackerScript> {
  let code: string;
  if (__filename.endsWith('.ts')) {
    const { buildTracker } = await import('./build-tracker');
    code = (await buildTracker()).code;
  } else {
    code = await readFile(path.resolve(__dirname, '../../tracker/signalbox.js'), 'utf8');
  }
  const buf = Buffer.from(code);
  return { code: buf, gzip: gzipSync(buf, { level: 9 }), hash: createHash('sha256').update(buf).digest('hex').slice(0, 12) };
}

let cached: Promise<TrackerScript> | undefined;
/** The script, loaded once per process (a failed load is tried again on the next request). */
export function trackerScript(): Promise<TrackerScript> {
  cached ??= loadTrackerScript().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

export function registerTrackerRoutes(app: Express, logger: Logger): void {
  const serve = async (req: Request, res: Response, versionInPath?: string) => {
    let script: TrackerScript;
    try {
      script = await trackerScript();
    } catch (err) {
      logger.error({ err }, 'the tracker script could not be loaded (run npm run build:tracker)');
      res.status(503).type('application/javascript').send('/* signalbox.js unavailable */');
      return;
    }
    const version = versionInPath ?? (typeof req.query.v === 'string' ? req.query.v : undefined);
    const etag = `"${script.hash}"`;
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('ETag', etag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Signalbox-Script', script.hash);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', version === script.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.status(200).send(gzip ? script.gzip : script.code);
  };
  app.get('/signalbox.js', (req, res) => serve(req, res));
  app.get(/^\/signalbox\.([0-9a-f]{12})\.js$/, (req, res) => serve(req, res, req.params[0]));
}
