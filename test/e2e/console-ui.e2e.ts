/**
 * The operator console (/console) in a real Chromium against the real stack: sign-in with a
 * secret key (kept only in an HttpOnly cookie), webhooks, deliveries with their attempts, retry
 * and recover, a visitor's timeline and score, keys, CSRF and sign-out. Every page is checked with
 * axe-core and saved to test/artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import { ingestOk, roomyWorkspace, uniqueFingerprint, visitorIdOf } from '../support/ingest-helpers';
import { launchBrowser, visit } from '../support/browser';
import { ReceiverPool } from '../support/receiver';
import { ADMIN_TOKEN, eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

// Code passed to page.evaluate runs in the browser; the root tsconfig has no DOM types.
declare const localStorage: any, sessionStorage: any, document: any;

describe('operator console in Chromium (real stack)', () => {
  let stack: TestStack;
  let browser: Browser;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({
      env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s', PERSON_SCORE_INTERVAL: '500ms', TEMPORAL_UI_URL: 'http://temporal-ui.test:8233' },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await receivers.closeAll();
    await stack?.close();
  });

  async function newPage(): Promise<{ page: Page; errors: Error[] }> {
    const page = await (await browser.newContext()).newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    return { page, errors };
  }
  const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();

  async function signIn(page: Page, ws: TestWorkspace, name: string): Promise<void> {
    await page.goto(`${stack.url}/console`);
    await heading(page, 'Sign in to the Signalbox console');
    // By keyboard: the form submits with Enter.
    await page.getByLabel('Secret key', { exact: true }).fill(ws.secretKey);
    await page.getByLabel('Secret key', { exact: true }).press('Enter');
    await heading(page, `Overview of ${name}`);
  }

  it('serves the console and portal pages with a strict CSP and revalidated assets, beside the portal links', async () => {
    for (const page of ['/console', '/portal/']) {
      const res = await fetch(stack.url + page);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    expect((await fetch(`${stack.url}/console`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const script = await fetch(`${stack.url}/console/assets/console.js`);
    expect(script.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    const etag = script.headers.get('etag') as string;
    expect((await fetch(`${stack.url}/console/assets/console.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${stack.url}/portal/assets/styles.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    // A token-shaped path is still a portal link (refused here: it never existed).
    expect((await fetch(`${stack.url}/portal/${'A'.repeat(43)}`, { redirect: 'manual' })).status).toBe(401);
  });

  it('pages a long delivery log with the API cursor', async () => {
    const ws = await roomyWorkspace(stack, 'Console paging');
    const receiver = await receivers.start();
    const sub = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url: `${receiver.url}/many`, events: ['lead.created'] } });
    expect(sub.status).toBe(201);
    for (let i = 0; i < 21; i++) expect((await stack.request('POST', `/api/v1/webhooks/${sub.body.id}/test`, { key: ws.secretKey })).status).toBe(202);
    const { page, errors } = await newPage();
    await signIn(page, ws, 'Console paging');
    await page.goto(`${stack.url}/console#/deliveries?endpoint=${sub.body.id}`);
    await heading(page, 'Deliveries');
    const rows = page.locator('table tbody tr');
    await rows.nth(19).waitFor();
    expect(await rows.count()).toBe(20);
    await page.getByRole('button', { name: 'Load older' }).click();
    await rows.nth(20).waitFor();
    expect(await rows.count()).toBe(21);
    expect(await page.getByRole('button', { name: 'Load older' }).count()).toBe(0);
    const ids = await page.locator('table tbody tr td:first-child').allTextContents();
    expect(new Set(ids).size).toBe(21);
    expect(errors).toEqual([]);
  });

  it('sign in → create a webhook → send a test → a failing attempt with its body → retry after the fix → recover', async () => {
    const ws = await roomyWorkspace(stack, 'Console UI');
    const receiver = await receivers.start();
    receiver.fallback = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'crm is down for maintenance' };
    const { page, errors } = await newPage();

    await page.goto(`${stack.url}/console`);
    await heading(page, 'Sign in to the Signalbox console');
    expect(await visit(page, 'console-sign-in')).toEqual([]);
    await page.getByLabel('Secret key', { exact: true }).fill('sk_not_a_real_key_0000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Secret key', { exact: true }).fill(ws.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Overview of Console UI');
    // The key lives nowhere in the page: no storage, and the session cookie is HttpOnly.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.content()).not.toContain(ws.secretKey);
    expect(await visit(page, 'console-overview')).toEqual([]);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Webhooks' }).click();
    await heading(page, 'Webhooks');
    // The new page's heading has the focus (a screen reader announces it), and the menu marks the page.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Webhooks');
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current')).toBe('page');
    // An API validation error shows at its field.
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/crm`);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const eventsField = page.getByLabel('Event types');
    await page.locator('#new-events-errors').waitFor();
    expect(await eventsField.getAttribute('aria-invalid')).toBe('true');
    expect(await eventsField.getAttribute('aria-describedby')).toContain('new-events-errors');
    await eventsField.fill('lead.created');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.locator('.secret-value');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);
    expect(await visit(page, 'console-webhooks')).toEqual([]);

    await page.getByRole('link', { name: 'Open the endpoint' }).click();
    await heading(page, `Endpoint ${receiver.url}/crm`);
    const endpointId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const deliveryLink = page.getByRole('status').getByRole('link', { name: /^delivery / });
    await deliveryLink.click();
    const deliveryId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    await heading(page, `Delivery ${deliveryId}`);
    await page.getByRole('heading', { name: /Attempt 2.*HTTP 503/ }).waitFor({ timeout: 20_000 });
    await page.locator('dl.facts .status-failed').waitFor({ timeout: 20_000 });
    expect(await page.locator('pre.body').first().textContent()).toBe('crm is down for maintenance');
    // The delivery's workflow links to the Temporal UI.
    expect(await page.getByRole('link', { name: `delivery-${deliveryId}` }).getAttribute('href')).toBe(`http://temporal-ui.test:8233/namespaces/default/workflows/delivery-${deliveryId}`);
    expect(await visit(page, 'console-delivery-failed')).toEqual([]);

    receiver.fallback = 200;
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByRole('heading', { name: /Attempt \d.*HTTP 200/ }).waitFor({ timeout: 20_000 });
    await page.locator('dl.facts .status-succeeded').waitFor({ timeout: 20_000 });
    expect(await visit(page, 'console-delivery-retried')).toEqual([]);
    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await visit(page, 'console-delivery-phone')).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 720 });

    // The deliveries page, filtered by endpoint and status.
    await page.goto(`${stack.url}/console#/deliveries?endpoint=${endpointId}`);
    await heading(page, 'Deliveries');
    await page.getByRole('table').getByRole('link', { name: deliveryId }).waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No deliveries match.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('table').getByRole('link', { name: deliveryId }).waitFor();
    expect(await visit(page, 'console-deliveries')).toEqual([]);

    // Recover since an hour ago, followed to the end.
    await page.goto(`${stack.url}/console#/endpoints/${endpointId}`);
    await heading(page, `Endpoint ${receiver.url}/crm`);
    await page.getByRole('button', { name: 'Recover' }).click();
    await page.locator('.recovery-progress').filter({ hasText: 'completed' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.recovery-progress a').getAttribute('href')).toMatch(/^http:\/\/temporal-ui\.test:8233\/namespaces\/default\/workflows\/recover-/);
    expect(await visit(page, 'console-endpoint')).toEqual([]);

    // Disable, then enable again.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await stack.request('GET', `/api/v1/webhooks/${endpointId}`, { key: ws.secretKey })).body.active).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    expect((await stack.request('GET', `/api/v1/webhooks/${endpointId}`, { key: ws.secretKey })).body.active).toBe(true);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Events' }).click();
    await heading(page, 'Events');
    expect(await visit(page, 'console-events')).toEqual([]);

    // Keys: a new key is shown once and works.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Keys' }).click();
    await heading(page, 'API keys');
    await page.getByLabel('Name (optional)').fill('CI export');
    await page.getByRole('button', { name: 'Create key' }).click();
    const newKey = (await page.locator('.secret-value').textContent()) as string;
    expect(newKey).toMatch(/^sk_/);
    expect((await stack.request('GET', '/api/v1/webhooks', { key: newKey })).status).toBe(200);
    await page.getByRole('cell', { name: 'CI export', exact: true }).waitFor();
    expect(await visit(page, 'console-keys')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows the overview figures, every endpoint\'s deliveries, and replays an event to new deliveries', async () => {
    const ws = await roomyWorkspace(stack, 'Console figures');
    const [ok, failing] = await Promise.all([receivers.start(), receivers.start()]);
    failing.fallback = 500;
    const subscribe = async (url: string) => (await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events: ['lead.created'] } })).body as { id: string };
    const okSub = await subscribe(`${ok.url}/ok`);
    await subscribe(`${failing.url}/down`);
    const sample = (await stack.request('GET', '/api/v1/event-types', { key: ws.secretKey })).body.data.find((t: { type: string }) => t.type === 'lead.created').sample;
    const emitted = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type: 'lead.created', data: sample });
    expect(emitted.status).toBe(202);
    const eventId = emitted.body.event.id as string;
    for (const id of emitted.body.deliveryIds as string[]) {
      await eventually(async () => ((await stack.request('GET', `/api/v1/deliveries/${id}`, { key: ws.secretKey })).body.status !== 'pending' ? true : undefined), 20_000, `delivery ${id}`);
    }
    const { page, errors } = await newPage();
    await signIn(page, ws, 'Console figures');

    // Overview: the hour's figures from GET /stats, a per-minute table, the failing endpoint.
    const figure = (text: string) => page.locator('.card').filter({ hasText: text }).locator('.number');
    await figure('events in the last hour').waitFor();
    expect(await figure('events in the last hour').textContent()).toBe('1');
    expect(await figure('deliveries succeeded').textContent()).toBe('50%');
    expect(await figure('ingest events waiting').textContent()).toMatch(/^\d+$/);
    expect(await figure('failing or disabled endpoints').textContent()).toBe('1');
    const perMinute = page.getByRole('table', { name: 'Events and deliveries per minute, newest first' });
    expect(await perMinute.locator('tbody tr').count()).toBe(1);
    expect(await perMinute.locator('tbody tr time').getAttribute('title')).toBeTruthy();
    await page.getByRole('table', { name: 'Failing or disabled endpoints' }).getByRole('link', { name: `${failing.url}/down` }).waitFor();
    expect(await visit(page, 'console-overview-figures')).toEqual([]);

    // Deliveries: every endpoint's by default, one endpoint's when chosen.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Deliveries' }).click();
    await heading(page, 'Deliveries');
    const rows = page.locator('table tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    await page.getByRole('columnheader', { name: 'Endpoint' }).waitFor();
    await page.getByLabel('Endpoint', { exact: true }).selectOption(okSub.id);
    await page.waitForURL(/endpoint=/);
    await eventually(async () => ((await rows.count()) === 1 ? true : undefined), 5_000, 'one endpoint\'s deliveries');
    expect(await visit(page, 'console-deliveries-all')).toEqual([]);

    // Replay: new deliveries, linked, that the receivers get with the same webhook-id.
    await page.goto(`${stack.url}/console#/events/${eventId}`);
    await heading(page, `Event ${eventId}`);
    await page.getByRole('button', { name: 'Replay' }).click();
    const replayed = page.getByRole('status').filter({ hasText: 'Replayed as 2 new deliveries' });
    await replayed.waitFor();
    expect(await replayed.getByRole('link').count()).toBe(2);
    const [first, again] = await ok.waitForRequests(2);
    expect(again.headers['webhook-id']).toBe(eventId);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await page.getByRole('listitem').filter({ hasText: '(replay)' }).first().waitFor();
    expect(await visit(page, 'console-event-replayed')).toEqual([]);
    const newDelivery = (await replayed.getByRole('link').first().textContent()) as string;
    await replayed.getByRole('link').first().click();
    await heading(page, `Delivery ${newDelivery}`);
    expect(errors).toEqual([]);
  });

  it('finds a visitor by email and shows the timeline and the score with its reasoning', async () => {
    const ws = await roomyWorkspace(stack, 'Console people');
    const rules = {
      rules: [{ id: 'pricing', type: 'page_visit', url: '*/pricing*', points: 25, max_points: 50 }],
      decay: { half_life_days: 14 },
      grades: { hot: 70, warm: 20 },
      qualifying_grade: 'hot',
      emit_on_every_change: false,
    };
    expect((await stack.request('PUT', '/api/v1/scoring', { key: ws.secretKey, body: rules })).status).toBe(200);
    const fingerprint = uniqueFingerprint('console');
    await ingestOk(stack, ws.secretKey, 'pageview', { visitor_fingerprint: fingerprint, url: 'https://shop.example/pricing', title: 'Pricing' });
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fingerprint, email: 'ada@example.org', name: 'Ada Lovelace' });
    const visitorId = visitorIdOf(ws, fingerprint);
    await eventually(async () => {
      const res = await stack.request('GET', `/api/v1/visitors/${visitorId}`, { key: ws.secretKey });
      return res.status === 200 && res.body.lead_scoring?.reasoning.length > 0 ? res.body : undefined;
    }, 30_000, 'the visitor to be scored');

    const { page, errors } = await newPage();
    await signIn(page, ws, 'Console people');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Visitors & leads' }).click();
    await heading(page, 'Visitors and leads');
    await page.getByRole('link', { name: 'ada@example.org' }).first().waitFor();
    expect(await visit(page, 'console-people')).toEqual([]);
    await page.getByLabel('Email or visitor id').fill('ada@example.org');
    await page.getByRole('button', { name: 'Find' }).click();
    await heading(page, 'ada@example.org');
    await page.locator('.lead-score').waitFor();
    expect(Number(await page.locator('.lead-score').textContent())).toBeGreaterThanOrEqual(25);
    expect(await page.locator('ul.reasoning').textContent()).toContain('+25');
    await page.locator('ol.timeline li').filter({ hasText: 'https://shop.example/pricing' }).waitFor();
    expect(await page.getByRole('link', { name: `person-${ws.id}-${visitorId}` }).getAttribute('href')).toBe(`http://temporal-ui.test:8233/namespaces/default/workflows/person-${ws.id}-${visitorId}`);
    expect(await visit(page, 'console-visitor')).toEqual([]);

    await page.getByRole('link', { name: /^lead_/ }).click();
    await heading(page, 'Lead Ada Lovelace');
    await page.locator('.lead-score').waitFor();
    // The ASN data's licence (CC BY 4.0) asks for credit where its results are shown.
    expect(await page.getByRole('link', { name: 'DB-IP' }).getAttribute('href')).toBe('https://db-ip.com');
    expect(await visit(page, 'console-lead')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('signs in with the admin token and a workspace id; a missing workspace id is shown at its field', async () => {
    const ws = await roomyWorkspace(stack, 'Console admin');
    const { page, errors } = await newPage();
    await page.goto(`${stack.url}/console`);
    await heading(page, 'Sign in to the Signalbox console');
    await page.getByRole('radio', { name: 'the admin token' }).check();
    await page.getByLabel('Admin token', { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const workspaceField = page.getByLabel('Workspace id');
    await page.locator('#workspace_id-errors').filter({ hasText: 'Required with an admin token' }).waitFor();
    expect(await workspaceField.getAttribute('aria-invalid')).toBe('true');
    expect(await visit(page, 'console-sign-in-error')).toEqual([]);
    await workspaceField.fill(ws.id);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Overview of Console admin');
    expect(await page.getByRole('banner').textContent()).toContain('Console admin (admin)');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('refuses a write without the CSRF token, and signing out ends the session', async () => {
    const ws = await roomyWorkspace(stack, 'Console CSRF');
    const { page, errors } = await newPage();
    await signIn(page, ws, 'Console CSRF');

    const post = (withToken: boolean) =>
      page.evaluate(async (withToken: boolean) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (withToken) headers['x-csrf-token'] = ((await (await fetch('/console/api/session')).json()) as { csrf_token: string }).csrf_token;
        const res = await fetch('/api/v1/webhooks', { method: 'POST', headers, body: JSON.stringify({ url: 'https://example.com/hook', events: ['lead.created'] }) });
        return { status: res.status, body: await res.json() };
      }, withToken);
    const refused = await post(false);
    expect(refused).toMatchObject({ status: 403, body: { code: 'csrf_failed' } });
    // The same request with the header is accepted: the token is the difference.
    expect((await post(true)).status).toBe(201);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in to the Signalbox console');
    expect(await page.evaluate(async () => (await fetch('/console/api/session')).status)).toBe(401);
    expect(await page.evaluate(async () => (await fetch('/api/v1/webhooks')).status)).toBe(401);
    await page.reload();
    await heading(page, 'Sign in to the Signalbox console');
    expect(errors).toEqual([]);
  });
});
