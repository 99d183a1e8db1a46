/**
 * The operator console (/console) and the subscriber portal (/portal/): an HTML shell, one script
 * and one stylesheet each. Both talk to the API only through its JSON routes (the console through
 * /api/v1 with its session cookie, the portal through /portal/api). Built in memory with esbuild
 * when the API runs from source (never stale), read from dist/web/ when it runs compiled
 * (`npm run build:web`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Express, Response } from 'express';
import type { Logger } from 'pino';
import type { WebApp } from './build-web';

interface Asset {
  body: string;
  etag: string;
}

async function loadAsset(name: WebApp | 'styles'): Promise<Asset> {
  let body: string;
  if (__filename.endsWith('.ts')) {
    const { buildWebApp, readWebStyles } = await import('./build-web');
    body = name === 'styles' ? await readWebStyles() : await buildWebApp(name);
  } else {
    body = await readFile(path.resolve(__dirname, `../../web/${name === 'styles' ? 'styles.css' : `${name}.js`}`), 'utf8');
  }
  return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
}

const cache = new Map<string, Promise<Asset>>();
/** Loaded once per process; a failed load is tried again on the next request. */
function asset(name: WebApp | 'styles'): Promise<Asset> {
  let loading = cache.get(name);
  if (!loading) {
    loading = loadAsset(name).catch((err: unknown) => {
      cache.delete(name);
      throw err;
    });
    cache.set(name, loading);
  }
  return loading;
}

// Scripts and styles from this origin only; no inline script, no framing of the console.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

function shell(app: WebApp, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/${app}/assets/styles.css">
<script type="module" src="/${app}/assets/${app}.js"></script>
</head>
<body><div id="app"><main><p>Loading…</p></main></div>
<noscript>${title} needs JavaScript.</noscript>
</body>
</html>`;
}

async function sendAsset(res: Response, logger: Logger, name: WebApp | 'styles', type: string, ifNoneMatch: string | undefined): Promise<void> {
  let loaded: Asset;
  try {
    loaded = await asset(name);
  } catch (err) {
    logger.error({ err }, 'a web asset could not be loaded (run npm run build:web)');
    res.status(503).type('text/plain').send('unavailable');
    return;
  }
  res.setHeader('ETag', loaded.etag);
  res.setHeader('Cache-Control', 'no-cache');
  if (ifNoneMatch === loaded.etag) {
    res.status(304).end();
    return;
  }
  res.type(type).send(loaded.body);
}

export function registerWebRoutes(app: Express, logger: Logger): void {
  const pages: Array<{ app: WebApp; paths: string[]; title: string; frameable: boolean }> = [
    { app: 'console', paths: ['/console', '/console/'], title: 'Signalbox console', frameable: false },
    // The portal is made to be embedded by the workspace owner, in an iframe on their site.
    { app: 'portal', paths: ['/portal/'], title: 'Webhook portal', frameable: true },
  ];
  for (const page of pages) {
    const html = shell(page.app, page.title);
    app.get(page.paths, (_req, res) => {
      res.setHeader('Content-Security-Policy', page.frameable ? CSP : `${CSP}; frame-ancestors 'none'`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.type('html').send(html);
    });
    app.get(`/${page.app}/assets/${page.app}.js`, (req, res) => sendAsset(res, logger, page.app, 'application/javascript; charset=utf-8', req.headers['if-none-match']));
    app.get(`/${page.app}/assets/styles.css`, (req, res) => sendAsset(res, logger, 'styles', 'text/css; charset=utf-8', req.headers['if-none-match']));
  }
}
