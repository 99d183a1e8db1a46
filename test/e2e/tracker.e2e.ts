/**
 * The browser tracker (GET /signalbox.js) in a real Chromium (playwright-core driving Debian's
 * `chromium`; ./scripts/test installs it and sets SIGNALBOX_CHROMIUM_BIN) against the real stack.
 * The test site runs on its own port, so every ingest call is cross-origin (CORS is real). Some
 * pages point the script at a recording proxy in front of the API that can answer 429 or lose a
 * response. Artifacts (a screenshot of the site, the network log) go to test/artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../scripts/stack/child-process';
import { identityHashOf } from '../../core/workspaces/identity-verification';
import { ingestOk, roomyWorkspace, timelineOf, visitorIdOf, waitForVisitor } from '../support/ingest-helpers';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

// Code passed to page.evaluate runs in the browser; the root tsconfig has no DOM types, so its globals are declared here.
declare const window: any, document: any, history: any, location: any, localStorage: any, Navigator: any;

const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const CHROMIUM = process.env.SIGNALBOX_CHROMIUM_BIN || '/usr/bin/chromium';

interface ProxyHit {
  at: number;
  fetchMode: string | undefined;
  contentType: string | undefined;
  body: { token?: string; sentAt?: number; events: { type: string; messageId: string; data: Record<string, any> }[] };
  answered: number;
  upstream?: { status: number; body: any };
}
type ProxyMode = 'forward' | '429-once' | 'lose-response-once';

/** A recording proxy in front of the API's ingest batch endpoint. */
async function startProxy(apiUrl: string) {
  const hits: ProxyHit[] = [];
  let mode: ProxyMode = 'forward';
  const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'OPTIONS') {
          res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Content-Type' }).end();
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const hit: ProxyHit = { at: Date.now(), fetchMode: req.headers['sec-fetch-mode'] as string | undefined, contentType: req.headers['content-type'], body: JSON.parse(raw), answered: 0 };
        const done = () => hits.push(hit); // recorded once answered
        if (mode === '429-once') {
          mode = 'forward';
          hit.answered = 429;
          res.writeHead(429, { ...cors, 'content-type': 'application/json', 'retry-after': '2' }).end('{"error":"Rate limited","code":"rate_limited"}');
          done();
          return;
        }
        const up = await fetch(apiUrl + req.url, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' }, body: raw });
        const text = await up.text();
        hit.upstream = { status: up.status, body: JSON.parse(text) };
        if (mode === 'lose-response-once') {
          // The API applied the batch, but the browser never hears so: it must send it again.
          mode = 'forward';
          hit.answered = 503;
          res.writeHead(503, cors).end();
          done();
          return;
        }
        hit.answered = up.status;
        res.writeHead(up.status, { ...cors, 'content-type': 'application/json' }).end(text);
        done();
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    setMode: (m: ProxyMode) => (mode = m),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the browser tracker in Chromium (real API, real Temporal, real database)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  let browser: Browser;
  let site: http.Server;
  let siteUrl: string;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let deadPort: number;
  const network: unknown[] = [];

  /** Pages: /<variant>/<anything>. The variant picks the script tag's attributes. */
  function pageHtml(variant: string, pathname: string): string {
    const attrs: Record<string, string> = {
      direct: `data-api="${stack.url}"`,
      proxy: `data-api="${proxy.url}"`,
      slow: `data-api="${proxy.url}" data-flush="600000"`,
      consent: `data-api="${proxy.url}" data-consent="required"`,
      down: `data-api="http://127.0.0.1:${deadPort}"`,
      dnt: `data-api="${proxy.url}" data-respect-dnt`,
    };
    const title = `Site ${pathname}`;
    // Google Tag Manager's custom HTML tags insert the script element from code.
    const tag =
      variant === 'gtm'
        ? `<script>(function(){var s=document.createElement('script');s.src='${stack.url}/signalbox.js';s.async=true;s.setAttribute('data-key','${ws.publishableKey}');s.setAttribute('data-api','${proxy.url}');s.setAttribute('data-flush','200');document.head.appendChild(s);})();</script>`
        : `<script src="${stack.url}/signalbox.js" data-key="${ws.publishableKey}" ${attrs[variant] ?? ''} ${variant === 'slow' ? '' : 'data-flush="200"'} async></script>`;
    return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script>window.signalbox=window.signalbox||function(){(signalbox.q=signalbox.q||[]).push(arguments)};signalbox('track','queued_before_load',{early:true});</script>
${tag}
</head><body style="font-family:sans-serif"><h1>${title}</h1>
<nav><a id="features" href="/${variant}/features">Features</a></nav>
<form id="signup" method="post" action="/${variant}/thanks">
  <input name="name" placeholder="Name"><input type="email" name="email" placeholder="Email"><button type="submit">Sign up</button>
</form>
<form id="newsletter" method="post" action="/${variant}/thanks" data-signalbox-ignore>
  <input type="email" name="email"><button type="submit">Subscribe</button>
</form>
</body></html>`;
  }

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await roomyWorkspace(stack, 'Tracker');
    proxy = await startProxy(stack.url);
    deadPort = await freePort();
    site = http.createServer((req, res) => {
      req.resume();
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      const variant = pathname.split('/')[1] ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml(variant, pathname));
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    if (network.length) writeFileSync(path.join(ARTIFACTS, 'tracker-network.json'), JSON.stringify(network, null, 2));
    await browser?.close();
    await new Promise((r) => site?.close(r));
    await proxy?.close();
    await stack?.close();
  });

  /** A fresh browser profile with its network log and page errors recorded. */
  async function openPage(test: string, opts: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; errors: Error[] }> {
    const context = await browser.newContext(opts);
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    page.on('requestfinished', (req) => {
      void req
        .response()
        .then((r) => network.push({ test, method: req.method(), url: req.url(), type: req.resourceType(), status: r?.status(), body: req.postData() ?? undefined }))
        .catch(() => undefined);
    });
    page.on('requestfailed', (req) => network.push({ test, method: req.method(), url: req.url(), type: req.resourceType(), failure: req.failure()?.errorText }));
    return { context, page, errors };
  }

  /** The real script replaced the queue stub (and sent its first page view). */
  const ready = (page: Page) => page.waitForFunction(() => !(window as any).signalbox.q);
  const fingerprintOf = async (page: Page) => {
    await page.waitForFunction(() => localStorage.getItem('sb_vid'));
    return page.evaluate(() => localStorage.getItem('sb_vid') as string);
  };
  const hitsFor = (fp: string) => proxy.hits.filter((h) => h.body.events.some((e) => e.data.visitor_fingerprint === fp));
  const pageUrls = async (visitorId: string) => (await timelineOf(visitorId)).filter((a) => a.type === 'links').map((a) => (a as { url: string }).url);

  it('serves /signalbox.js with an ETag, gzip, and long caching on its versioned URL', async () => {
    const res = await fetch(`${stack.url}/signalbox.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const hash = res.headers.get('x-signalbox-script') as string;
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(res.headers.get('etag')).toBe(`"${hash}"`);
    const code = await res.text();
    expect(code).toContain('/api/v1/ingest/batch');

    const raw = await new Promise<Buffer>((resolve, reject) =>
      http.get(`${stack.url}/signalbox.js`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      }),
    );
    expect(raw.length).toBeLessThanOrEqual(2560);
    expect(gunzipSync(raw).toString()).toBe(code);

    for (const versioned of [`/signalbox.${hash}.js`, `/signalbox.js?v=${hash}`]) {
      const v = await fetch(stack.url + versioned);
      expect({ versioned, status: v.status, cache: v.headers.get('cache-control') }).toEqual({ versioned, status: 200, cache: 'public, max-age=31536000, immutable' });
    }
    const notModified = await fetch(`${stack.url}/signalbox.js`, { headers: { 'if-none-match': `"${hash}"` } });
    expect(notModified.status).toBe(304);
  });

  it('follows a visitor from a UTM landing through normal and SPA page views to a form fill, and the API shows first touch, pages in order and a lead', async () => {
    const { context, page, errors } = await openPage('journey');
    await page.goto(`${siteUrl}/direct/landing?utm_source=newsletter&utm_medium=email&utm_campaign=launch&gclid=gc_123`, { referer: 'https://news.example.com/issue-7' });
    await ready(page);
    await page.evaluate(() => {
      document.title = 'Pricing';
      history.pushState({}, '', '/direct/pricing');
    });
    await page.evaluate(() => history.replaceState({}, '', '/direct/pricing#plans')); // hash only: no page view
    await Promise.all([page.waitForURL('**/direct/features'), page.click('#features')]); // a normal navigation
    await ready(page);
    await page.evaluate(() => history.pushState({}, '', '/direct/signup'));
    await page.evaluate(() => history.pushState({}, '', '/direct/pricing'));
    await page.goBack(); // popstate → /direct/signup
    await page.waitForFunction(() => location.pathname === '/direct/signup');
    const fp = await fingerprintOf(page);
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    // The ignored newsletter form identifies nobody; the signup form does.
    await page.fill('#newsletter input[name=email]', 'ignored@example.com');
    await Promise.all([page.waitForURL('**/direct/thanks'), page.click('#newsletter button')]);
    await page.goto(`${siteUrl}/direct/signup`);
    await ready(page);
    const email = `jane.${fp.slice(0, 8)}@acme.example`;
    await page.fill('#signup input[name=name]', 'Jane Tracker');
    await page.fill('#signup input[name=email]', email);
    await page.screenshot({ path: path.join(ARTIFACTS, 'tracker-site.png'), fullPage: true });
    await Promise.all([page.waitForURL('**/direct/thanks'), page.click('#signup button')]);

    const visitor = await eventually(
      async () => {
        const res = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(email)}`, { key: ws.secretKey });
        return res.status === 200 && res.body.lead_id && res.body.web_activity_summary.total_page_visits >= 9 ? res.body : undefined;
      },
      30_000,
      'the identified visitor with its page visits',
    );
    expect(visitor).toMatchObject({
      id: visitorIdOf(ws, fp),
      email,
      person_details: expect.objectContaining({ name: 'Jane Tracker', email }),
      acquisition_details: expect.objectContaining({ source: 'newsletter', medium: 'email', campaign: 'launch', landing_page: expect.stringContaining('/direct/landing') }),
      lead_id: expect.stringMatching(/^lead_/),
      web_activity_summary: expect.objectContaining({ total_page_visits: 9, total_website_sessions: 1 }),
    });
    const attribution = await stack.request('GET', `/api/v1/visitors/attribution/${encodeURIComponent(email)}`, { key: ws.secretKey });
    expect(attribution.body.attribution_details.first_touch).toMatchObject({ utm_source: 'newsletter', utm_campaign: 'launch' });
    expect(JSON.stringify(attribution.body.attribution_details.first_touch)).toContain('gc_123');
    expect((await pageUrls(visitorIdOf(ws, fp))).map((u) => new URL(u).pathname)).toEqual([
      '/direct/landing',
      '/direct/pricing',
      '/direct/features',
      '/direct/signup',
      '/direct/pricing',
      '/direct/signup',
      '/direct/thanks',
      '/direct/signup',
      '/direct/thanks',
    ]);
    const leads = await stack.request('GET', '/api/v1/leads?limit=100', { key: ws.secretKey });
    expect(leads.body.data.filter((l: { email?: string }) => JSON.stringify(l).includes(email))).toHaveLength(1);
    expect(JSON.stringify(leads.body)).not.toContain('ignored@example.com');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lets signalbox('identify', {email, user_hash}) claim a known person, and signalbox('lead') name a new one", async () => {
    const known = `known.${Date.now()}@acme.example`;
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: `server_${Date.now()}`, email: known, name: 'Known Person' });
    const knownVisitor = await eventually(async () => {
      const res = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(known)}`, { key: ws.secretKey });
      return res.status === 200 ? res.body : undefined;
    });
    const secret = (await stack.request('GET', '/api/v1/identity-verification', { key: ws.secretKey })).body.secret as string;
    const { context, page, errors } = await openPage('identify');
    await page.goto(`${siteUrl}/direct/app`);
    const fp = await fingerprintOf(page);
    await page.evaluate(([email, hash]: string[]) => (window as any).signalbox('identify', { email, name: 'Known Again', user_hash: hash }), [known, identityHashOf(secret, known)]);
    const merged = await waitForVisitor(knownVisitor.id, (v) => v.mergedVisitorIds.includes(visitorIdOf(ws, fp)), 'the browser merged into the known person');
    expect(merged.person.name).toBe('Known Again');

    const { context: other, page: second } = await openPage('lead');
    await second.goto(`${siteUrl}/direct/contact`);
    const fp2 = await fingerprintOf(second);
    const lead = `lead.${fp2.slice(0, 8)}@acme.example`;
    await second.evaluate((email: string) => (window as any).signalbox('lead', { email, name: 'Lena Lead' }), lead);
    const v = await waitForVisitor(visitorIdOf(ws, fp2), (x) => x.email === lead && x.leadId !== null, 'the lead');
    expect(v.person.name).toBe('Lena Lead');
    expect(errors).toEqual([]);
    await context.close();
    await other.close();
  });

  it('sends what is left with navigator.sendBeacon (text/plain) when the page is left', async () => {
    const { context, page, errors } = await openPage('beacon');
    await page.goto(`${siteUrl}/slow/page`); // data-flush=600000: nothing leaves before the page is hidden
    await page.evaluate(() => (window as any).signalbox('track', 'read_to_end', { percent: 100 }));
    await page.waitForTimeout(500);
    const fp = await fingerprintOf(page);
    expect(hitsFor(fp)).toEqual([]);
    await page.goto('about:blank');
    const [beacon] = await eventually(async () => (hitsFor(fp).length ? hitsFor(fp) : undefined), 10_000, 'the beacon');
    expect(beacon.fetchMode).toBe('no-cors'); // sendBeacon, not fetch (mode cors)
    expect(beacon.contentType).toMatch(/^text\/plain/);
    expect(beacon.body.token).toBe(ws.publishableKey);
    expect(beacon.body.events.map((e) => [e.type, e.data.event_name])).toEqual([
      ['event', 'queued_before_load'],
      ['pageview', undefined],
      ['event', 'read_to_end'],
    ]);
    expect(beacon.upstream).toMatchObject({ status: 202, body: { accepted: 3 } });
    await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sends and stores nothing before consent in consent mode, and everything after it', async () => {
    const { context, page } = await openPage('consent');
    await page.goto(`${siteUrl}/consent/page`);
    await page.evaluate(() => (window as any).signalbox('track', 'clicked_cta'));
    await page.waitForTimeout(1500);
    const stored = await page.evaluate(() => ({ local: { ...localStorage }, cookie: document.cookie }));
    expect(stored).toEqual({ local: {}, cookie: '' });
    const before = proxy.hits.length;
    expect(network.filter((n: any) => n.test === 'consent' && String(n.url).includes('/ingest'))).toEqual([]);

    await page.evaluate(() => (window as any).signalbox('consent', true));
    const fp = await fingerprintOf(page);
    const [hit] = await eventually(async () => (hitsFor(fp).length ? hitsFor(fp) : undefined), 10_000, 'the batch after consent');
    expect(proxy.hits.length).toBe(before + 1);
    expect(hit.body.events.map((e) => e.data.event_name ?? e.type)).toEqual(['queued_before_load', 'pageview', 'clicked_cta']);

    // Withdrawn consent: ids forgotten, nothing more sent.
    await page.evaluate(() => (window as any).signalbox('consent', false));
    await page.evaluate(() => (window as any).signalbox('track', 'after_withdrawal'));
    await page.waitForTimeout(800);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({});
    expect(proxy.hits.length).toBe(before + 1);
    await context.close();
  });

  it('honours Do Not Track / Global Privacy Control with data-respect-dnt', async () => {
    const { context, page } = await openPage('dnt');
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const before = proxy.hits.length;
    await page.goto(`${siteUrl}/dnt/page`);
    await page.evaluate(() => (window as any).signalbox('track', 'ignored'));
    await page.waitForTimeout(800);
    expect(proxy.hits.length).toBe(before);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({});
    await context.close();
  });

  it('keeps one session id while the visitor is active and starts a new one after 30 idle minutes', async () => {
    const { context, page } = await openPage('session');
    await page.goto(`${siteUrl}/proxy/one`);
    const fp = await fingerprintOf(page);
    await page.evaluate(() => {
      document.title = 'A very long title '.repeat(200); // 3,600 characters: cut to the API's 1,024
      history.pushState({}, '', `/proxy/two?q=${'x'.repeat(5000)}`); // a URL over the API's 4,096
    });
    const sessionsSent = () => hitsFor(fp).flatMap((h) => h.body.events.filter((e) => e.type === 'pageview').map((e) => e.data.session_id as string));
    const [first] = await eventually(async () => (sessionsSent().length === 2 ? sessionsSent() : undefined), 10_000, 'two page views');
    expect(sessionsSent()).toEqual([first, first]);
    // The last event was 31 minutes ago (as stored: "<id>.<ms of the last event>").
    await page.evaluate((sid: string) => localStorage.setItem('sb_sid', `${sid}.${Date.now() - 31 * 60_000}`), first);
    await page.evaluate(() => history.pushState({}, '', '/proxy/three'));
    await page.evaluate(() => history.pushState({}, '', '/proxy/four'));
    const all = await eventually(async () => (sessionsSent().length === 4 ? sessionsSent() : undefined), 10_000, 'four page views');
    expect(all[2]).not.toBe(first);
    expect(all).toEqual([first, first, all[2], all[2]]);
    expect(await fingerprintOf(page)).toBe(fp); // the visitor stays the same
    expect(hitsFor(fp).map((h) => h.upstream?.body.rejected)).toEqual(hitsFor(fp).map(() => 0));
    await context.close();
  });

  it('works when inserted from code, as Google Tag Manager does', async () => {
    const { context, page, errors } = await openPage('gtm');
    await page.goto(`${siteUrl}/gtm/landing`);
    const fp = await fingerprintOf(page);
    const [hit] = await eventually(async () => (hitsFor(fp).length ? hitsFor(fp) : undefined), 10_000, 'the first batch');
    expect(hit.body.events.map((e) => e.data.event_name ?? e.data.path)).toEqual(['queued_before_load', '/gtm/landing']);
    expect(hit.answered).toBe(202);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('retries after Retry-After when the API answers 429', async () => {
    proxy.setMode('429-once');
    const { context, page, errors } = await openPage('429');
    await page.goto(`${siteUrl}/proxy/page`);
    const fp = await fingerprintOf(page);
    const hits = await eventually(async () => (hitsFor(fp).length >= 2 ? hitsFor(fp) : undefined), 15_000, 'the retried batch');
    expect(hits.map((h) => h.answered)).toEqual([429, 202]);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(1900);
    expect(hits[1].body.events.map((e) => e.messageId)).toEqual(hits[0].body.events.map((e) => e.messageId));
    await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('applies a batch sent again after a lost response once (messageId)', async () => {
    proxy.setMode('lose-response-once');
    const { context, page, errors } = await openPage('repeat');
    await page.goto(`${siteUrl}/proxy/page`);
    const fp = await fingerprintOf(page);
    const hits = await eventually(async () => (hitsFor(fp).length >= 2 ? hitsFor(fp) : undefined), 15_000, 'the repeated batch').catch((err: Error) => {
      throw new Error(`${err.message}; hits: ${JSON.stringify(hitsFor(fp))}`);
    });
    expect(hits.map((h) => h.answered)).toEqual([503, 202]);
    expect(hits[1].body.events.map((e) => e.messageId)).toEqual(hits[0].body.events.map((e) => e.messageId));
    expect(hits[0].upstream?.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(hits[1].upstream?.body).toMatchObject({ accepted: 0, duplicates: 2 });
    // One more page view after the repeat proves the visitor is up to date, then count.
    await page.evaluate(() => history.pushState({}, '', '/proxy/next'));
    const visitor = await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits >= 2);
    expect(visitor.summary.pageVisits).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('costs the page nothing when the API is down', async () => {
    const { context, page, errors } = await openPage('down');
    await page.goto(`${siteUrl}/down/page`);
    const result = await page.evaluate(async () => {
      const sb = (window as any).signalbox;
      sb('track', 'still_fine', { n: 1 });
      sb('identify', { email: 'down@example.com' });
      sb('no_such_call', 1, 2);
      const circular: any = { a: 1 };
      circular.self = circular;
      sb('track', 'circular', circular);
      sb('identify', null);
      sb();
      history.pushState({}, '', '/down/next');
      await new Promise((r) => setTimeout(r, 1500));
      return 'page still running';
    });
    expect(result).toBe('page still running');
    await page.goto('about:blank');
    expect(errors).toEqual([]);
    expect(network.some((n: any) => n.test === 'down' && n.failure)).toBe(true);
    await context.close();
  });
});
