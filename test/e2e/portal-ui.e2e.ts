/**
 * The subscriber portal's pages (/portal/) in a real Chromium against the real stack: a one-time
 * link opens them, they show only the link's subscriptions, and a subscriber can follow a test
 * delivery, read a failed attempt, retry once the receiver is fixed, rotate and recover. Every page
 * is checked with axe-core and saved to test/artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import { hashSessionSecret } from '../../core/platform/session-secrets';
import { PortalSessionModel } from '../../core/portal/portal-session.model';
import { launchBrowser, visit } from '../support/browser';
import { ReceiverPool } from '../support/receiver';
import { startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

describe('subscriber portal pages in Chromium (real stack)', () => {
  let stack: TestStack;
  let browser: Browser;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await receivers.closeAll();
    await stack?.close();
  });

  const workspace = (name: string) => stack.createWorkspace(name, { rateLimits: { perMinute: 10_000 } });
  async function subscribe(ws: TestWorkspace, url: string): Promise<{ id: string; secret: string }> {
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events: ['lead.created'] } });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function portalLink(ws: TestWorkspace, body: Record<string, unknown>): Promise<string> {
    const res = await stack.request('POST', '/api/v1/portal-sessions', { key: ws.secretKey, body });
    expect(res.status).toBe(201);
    return res.body.url as string;
  }
  async function newPage(): Promise<{ page: Page; errors: Error[] }> {
    const page = await (await browser.newContext()).newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    return { page, errors };
  }
  /** The link as the browser must open it: on the API's own origin. */
  const onStack = (url: string) => stack.url + new URL(url).pathname;

  it('shows only the link’s endpoint; a test attempt that failed is readable, and a retry after the fix succeeds', async () => {
    const ws = await workspace('Portal UI');
    const receiver = await receivers.start();
    receiver.fallback = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'receiver broken: table leads is missing' };
    const mine = await subscribe(ws, `${receiver.url}/mine`);
    const sibling = await subscribe(ws, `${receiver.url}/sibling`);
    const foreign = await subscribe(await workspace('Portal UI other'), `${receiver.url}/foreign`);
    const link = await portalLink(ws, { subscription_ids: [mine.id], ttl_seconds: 600 });
    const { page, errors } = await newPage();

    await page.goto(onStack(link));
    expect(new URL(page.url()).pathname).toBe('/portal/');
    await page.getByRole('heading', { level: 1, name: 'Your endpoints' }).waitFor();
    const endpoints = page.getByRole('list', { name: 'Endpoints' }).getByRole('listitem');
    await endpoints.first().waitFor();
    expect(await endpoints.count()).toBe(1);
    expect(await endpoints.first().textContent()).toContain(`${receiver.url}/mine`);
    expect(await page.content()).not.toContain('/sibling');
    expect(await visit(page, 'portal-endpoints')).toEqual([]);

    // Another subscription, of the same workspace or another, is not reachable by typing its id.
    for (const id of [sibling.id, foreign.id]) {
      await page.goto(`${stack.url}/portal/#/endpoints/${id}`);
      await page.getByRole('alert').filter({ hasText: 'Webhook subscription not found' }).waitFor();
      expect(await page.getByRole('main').textContent()).not.toContain(id === sibling.id ? '/sibling' : '/foreign');
    }

    await page.goto(`${stack.url}/portal/#/endpoints/${mine.id}`);
    await page.getByRole('heading', { level: 1, name: `Endpoint ${receiver.url}/mine` }).waitFor();
    expect(await visit(page, 'portal-endpoint')).toEqual([]);

    await page.getByRole('button', { name: 'Send test event' }).click();
    const deliveryLink = page.getByRole('status').getByRole('link', { name: /^delivery / });
    await deliveryLink.waitFor();
    const deliveryId = ((await deliveryLink.textContent()) as string).replace('delivery ', '');
    // The test delivery is in the endpoint's log.
    await page.getByRole('table').getByRole('link', { name: deliveryId }).waitFor();
    await deliveryLink.click();
    await page.getByRole('heading', { level: 1, name: `Delivery ${deliveryId}` }).waitFor();
    // Both scheduled attempts fail; the page follows the delivery until it settles.
    await page.getByText('failed', { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: /Attempt 2.*HTTP 500/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator('pre.body').first().textContent()).toBe('receiver broken: table leads is missing');
    const attempt = page.locator('li.attempt').first();
    await attempt.getByText('Request headers', { exact: false }).click();
    expect(await attempt.locator('details pre').first().textContent()).toContain(`x-signalbox-delivery: ${deliveryId}`);
    await attempt.getByText('Response headers', { exact: false }).click();
    expect(await attempt.locator('details pre').nth(1).textContent()).toContain('content-type: text/plain');
    expect(await visit(page, 'portal-delivery-failed')).toEqual([]);

    receiver.fallback = 200;
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByRole('status').filter({ hasText: 'Retry started' }).waitFor();
    await page.getByRole('heading', { name: /Attempt \d.*HTTP 200/ }).waitFor({ timeout: 20_000 });
    await page.locator('dl.facts .status-succeeded').waitFor({ timeout: 20_000 });
    const delivered = receiver.requests.filter((r) => r.path === '/mine');
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(receiver.requests.some((r) => r.path === '/sibling')).toBe(false);
    expect(await visit(page, 'portal-delivery-retried')).toEqual([]);

    // Rotate: the new secret is shown once and the endpoint now signs with it.
    await page.goto(`${stack.url}/portal/#/endpoints/${mine.id}`);
    await page.getByRole('heading', { level: 1, name: `Endpoint ${receiver.url}/mine` }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = (await page.locator('.secret-value').textContent()) as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(mine.secret);
    const after = await stack.request('GET', `/api/v1/webhooks/${mine.id}`, { key: ws.secretKey });
    expect(secret.startsWith(after.body.secretPrefix)).toBe(true);

    // Recover since an hour ago: the recovery's progress is shown until it completes.
    await page.getByRole('button', { name: 'Recover' }).click();
    await page.locator('.recovery-progress').filter({ hasText: 'completed' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.recovery-progress').textContent()).toMatch(/^Recovery recover-.*: completed, \d+ found, \d+ re-delivered\.$/);
    expect(await visit(page, 'portal-endpoint-actions')).toEqual([]);

    // Ending the session (a CSRF-protected DELETE) closes the portal in this browser.
    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('heading', { level: 1, name: 'Session ended' }).waitFor();
    expect(await page.evaluate(async () => (await fetch('/portal/api/webhooks')).status)).toBe(401);
    expect(errors).toEqual([]);
  });

  it('refuses a reused or an expired link with a readable page and no session', async () => {
    const ws = await workspace('Portal UI refusals');
    const receiver = await receivers.start();
    await subscribe(ws, `${receiver.url}/x`);

    const reused = await portalLink(ws, { ttl_seconds: 600 });
    const first = await newPage();
    await first.page.goto(onStack(reused));
    await first.page.getByRole('heading', { level: 1, name: 'Your endpoints' }).waitFor();

    const second = await newPage();
    await second.page.goto(onStack(reused));
    expect(second.page.url()).toBe(`${stack.url}/portal/?link=refused`);
    await second.page.getByRole('heading', { level: 1, name: 'Link refused' }).waitFor();
    expect(await second.page.getByRole('main').textContent()).toContain('already used, it has expired');
    expect((await second.page.context().cookies()).filter((c) => c.name === 'signalbox_portal')).toEqual([]);
    expect(await visit(second.page, 'portal-link-refused')).toEqual([]);

    const expired = await portalLink(ws, { ttl_seconds: 60 });
    const token = new URL(expired).pathname.split('/').pop() as string;
    await PortalSessionModel.updateOne({ _id: hashSessionSecret(token) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const third = await newPage();
    await third.page.goto(onStack(expired));
    await third.page.getByRole('heading', { level: 1, name: 'Link refused' }).waitFor();
    expect((await third.page.context().cookies()).filter((c) => c.name === 'signalbox_portal')).toEqual([]);

    // Without a session the portal page says so (and reaches nothing).
    await third.page.goto(`${stack.url}/portal/`);
    await third.page.getByRole('heading', { level: 1, name: 'Not signed in' }).waitFor();
    expect(await visit(third.page, 'portal-no-session')).toEqual([]);
    expect([...first.errors, ...second.errors, ...third.errors]).toEqual([]);
  });
});
