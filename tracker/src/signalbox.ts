/**
 * The Signalbox browser tracker, served by the API at GET /signalbox.js (built by
 * scripts/build-tracker.ts with esbuild into one IIFE, ≤ 2.5 KB gzipped).
 *
 *   <script src="https://<host>/signalbox.js" data-key="pk_…" async></script>
 *
 * Attributes: data-key (publishable key, required), data-api (ingest origin; default: the script's
 * origin), data-consent="required" (send and store nothing before signalbox('consent', true)),
 * data-respect-dnt (do nothing when Do Not Track or Global Privacy Control is on), data-hash
 * (a change of location.hash is a page view), data-flush (ms to gather events before sending, 1000).
 *
 * Everything runs inside try/catch: a blocked or failing API, or a bug here, costs the page nothing.
 */
type Data = Record<string, unknown>;
interface Ev {
  type: string;
  data: Data;
  messageId: string;
}
interface Queued {
  (...args: unknown[]): void;
  q?: ArrayLike<unknown>[];
}

const w = window;
const d = document;
const ls = (() => {
  try {
    return w.localStorage;
  } catch {
    return undefined;
  }
})();
const SESSION_MS = 30 * 60 * 1000;
const V = 'sb_vid';
const S = 'sb_sid';
const C = 'sb_consent';

const script = (d.currentScript || d.querySelector('script[data-key]')) as HTMLScriptElement | null;
const attr = (name: string) => script && script.getAttribute('data-' + name);
const key = attr('key');
const endpoint = (attr('api') || new URL(script ? script.src : '/', location.href).origin).replace(/\/$/, '') + '/api/v1/ingest/batch';
const flushMs = +(attr('flush') || 1000);
const hashMode = attr('hash') != null;
const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
const off =
  !key || (attr('respect-dnt') != null && (nav.doNotTrack == '1' || (w as unknown as { doNotTrack?: string }).doNotTrack == '1' || !!nav.globalPrivacyControl));

let consented = attr('consent') != 'required' || get(C) == '1';
let held: [string, Data][] = [];
let queue: Ev[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let blockedUntil = 0;
let failures = 0;
let inFlight = false;
let lastUrl = '';

function safe<A extends unknown[]>(f: (...a: A) => void) {
  return (...a: A) => {
    try {
      f(...a);
    } catch {
      /* never into the host page */
    }
  };
}

function id(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.prototype.map.call(b, (x: number) => (x + 256).toString(16).slice(1)).join('');
}

/** First-party storage: localStorage, else a first-party cookie. */
function get(k: string): string | null {
  try {
    const v = ls && ls.getItem(k);
    if (v) return v;
  } catch {
    /* blocked storage */
  }
  const m = d.cookie.match('(?:^|; )' + k + '=([^;]*)');
  return m && decodeURIComponent(m[1]);
}
function set(k: string, v: string | null) {
  try {
    if (v == null) ls!.removeItem(k);
    else ls!.setItem(k, v);
    return;
  } catch {
    /* fall back to a cookie */
  }
  d.cookie = k + '=' + encodeURIComponent(v || '') + ';path=/;SameSite=Lax;max-age=' + (v == null ? 0 : 34e6);
}

function visitorId(): string {
  let v = get(V);
  if (!v) set(V, (v = id()));
  return v;
}

/** A session id that rolls after 30 minutes without events: stored as "<id>.<last event ms>". */
function sessionId(): string {
  const now = Date.now();
  const [sid, last] = (get(S) || '').split('.');
  const s = sid && now - +last < SESSION_MS ? sid : id();
  set(S, s + '.' + now);
  return s;
}

function push(type: string, data: Data) {
  if (off) return;
  data.timestamp = data.timestamp || Date.now();
  JSON.stringify(data); // throws (into safe()) on what cannot be sent, e.g. a circular object, before it can block the queue
  if (!consented) {
    held.push([type, data]);
    return;
  }
  data.visitor_fingerprint = visitorId();
  data.session_id = sessionId();
  queue.push({ type, data, messageId: id() });
  if (!timer) timer = setTimeout(() => flush(), flushMs);
}

/** Sends what is queued as one batch (text/plain: a simple request, no preflight; the key in the body). */
const flush = safe((unloading?: boolean) => {
  clearTimeout(timer);
  timer = undefined;
  if (!queue.length || (inFlight && !unloading)) return;
  const wait = blockedUntil - Date.now();
  if (wait > 0 && !unloading) {
    timer = setTimeout(() => flush(), wait);
    return;
  }
  const batch = queue.splice(0, 100);
  const body = JSON.stringify({ token: key, sentAt: Date.now(), events: batch });
  if (unloading && nav.sendBeacon && nav.sendBeacon(endpoint, body)) return;
  inFlight = true;
  const retry = (ms: number) => {
    queue = batch.concat(queue);
    blockedUntil = Date.now() + ms;
    if (!unloading) timer = setTimeout(() => flush(), ms);
  };
  fetch(endpoint, { method: 'POST', body, keepalive: body.length < 6e4, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
    .then((r) => {
      inFlight = false;
      const s = r.status;
      if (s == 429 || s >= 500) {
        if (++failures < 8) retry(s == 429 ? +(r.headers.get('Retry-After') || 1) * 1000 || 1000 : backoff());
      } else {
        failures = 0;
        if (queue.length) flush();
      }
    })
    .catch(() => {
      inFlight = false;
      if (++failures < 8) retry(backoff());
    });
});
function backoff() {
  return Math.min(30000, 500 * 2 ** failures);
}

function utm(): Data {
  const out: Data = {};
  new URLSearchParams(location.search).forEach((v, k) => {
    if (/^utm_(source|medium|campaign|term|content)$/.test(k) && v) out[k] = v.slice(0, 200);
  });
  return out;
}

function url() {
  const u = location.href;
  return hashMode ? u : u.split('#')[0];
}

/** A page view when the URL changed; SPA navigations read the title after the router set it. */
function pv(u: string) {
  if (u == lastUrl) return;
  const first = !lastUrl;
  lastUrl = u;
  // Cut to the API's limits, so a long title or URL cannot get the page view rejected.
  const data: Data = { url: u.slice(0, 4096), path: location.pathname.slice(0, 2048), title: d.title.slice(0, 1024), referrer: d.referrer.slice(0, 4096), locale: nav.language };
  // Landing page: UTMs as fields too (click ids such as gclid stay in the URL, where the API reads them).
  push('pageview', first ? Object.assign(data, utm()) : data);
}
function page() {
  const u = url();
  setTimeout(safe(() => pv(u)));
}

/** identify/lead: the fields given, without empty ones; nothing is sent without an email or customer id. */
function identify(data: Data, now?: boolean) {
  const out: Data = {};
  for (const k in data) if (data[k] != null && data[k] !== '') out[k] = data[k];
  if (!out.email && !out.customer_id) return;
  push('identify', out);
  if (now) flush();
}

/** A submitted form with an email field identifies its sender (unless data-signalbox-ignore). */
function onSubmit(e: Event) {
  const f = e.target as HTMLFormElement;
  if (!f || !f.elements || f.closest('[data-signalbox-ignore]')) return;
  const data: Data = {};
  for (const el of Array.prototype.slice.call(f.elements) as HTMLInputElement[]) {
    const n = (el.name || el.id || '').toLowerCase().replace(/[-\s]/g, '_');
    const v = (el.value || '').trim();
    if (!v || el.type == 'password' || el.type == 'hidden') continue;
    if (el.type == 'email' || (/e_?mail/.test(n) && v.includes('@'))) data.email = data.email || v;
    else if (/^(full_?)?name$|^your_name$/.test(n)) data.name = v;
    else if (/^first_?name$/.test(n)) data.first_name = v;
    else if (/^last_?name$/.test(n)) data.last_name = v;
    else if (/^(company|company_name|organization)$/.test(n)) data.company_name = v;
  }
  identify(data, true);
}

const api: Record<string, (...a: any[]) => void> = {
  identify: (data: Data) => identify(data),
  lead: (data: Data) => identify(data, true),
  track: (name: string, props?: Data) => push('event', { event_name: name, event_data: props, url: url(), path: location.pathname }),
  page,
  consent: (yes: unknown) => {
    consented = !!yes;
    if (consented) {
      set(C, '1');
      const h = held;
      held = [];
      h.forEach((x) => push(x[0], x[1]));
    } else {
      held = [];
      queue = [];
      set(C, null);
      set(V, null);
      set(S, null);
    }
  },
};

const signalbox = safe((name: unknown, ...args: unknown[]) => {
  const f = api[name as string];
  if (f) f(...args);
});

safe(() => {
  const stub = (w as unknown as { signalbox?: Queued }).signalbox;
  (w as unknown as { signalbox: Queued }).signalbox = signalbox;
  if (off) return;
  const h = history;
  for (const m of ['pushState', 'replaceState'] as const) {
    const orig = h[m];
    h[m] = function (this: History, ...a: Parameters<History['pushState']>) {
      const r = orig.apply(this, a);
      page();
      return r;
    };
  }
  w.addEventListener('popstate', page);
  if (hashMode) w.addEventListener('hashchange', page);
  d.addEventListener('submit', safe(onSubmit), true);
  const bye = safe(() => flush(true));
  d.addEventListener('visibilitychange', () => d.visibilityState == 'hidden' && bye());
  w.addEventListener('pagehide', bye);
  w.addEventListener('pageshow', (e) => {
    if (e.persisted) {
      lastUrl = '';
      page();
    }
  });
  if (stub && stub.q) for (const a of Array.prototype.slice.call(stub.q)) signalbox(...(Array.prototype.slice.call(a) as [unknown]));
  pv(url());
})();
