/**
 * A publishable key cannot take over a known person: browser identify without a valid `user_hash`
 * may only attach an unheld identity to an anonymous visitor; with a hash made from the workspace's
 * identity secret it is trusted like a server identify.
 */
import { identityHashOf } from '../../core/workspaces/identity-verification';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { customs, ingest, ingestOk, links, pageview, roomyWorkspace, timelineOf, uniqueFingerprint, visitorIdOf, waitForVisitor } from '../support/ingest-helpers';
import { startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

describe('identity verification (real API, Temporal visitor workflows and database)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const secretOf = async (ws: TestWorkspace): Promise<string> => {
    const res = await stack.request('GET', '/api/v1/identity-verification', { key: ws.secretKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ secret: expect.stringMatching(/^idv_[A-Za-z0-9]{40}$/), algorithm: 'HMAC-SHA256' });
    return res.body.secret;
  };
  /** The victim: identified by the site's server (secret key), with a name. */
  async function knownPerson(ws: TestWorkspace) {
    const fp = uniqueFingerprint('victim');
    const email = `victim.${fp.toLowerCase()}@corp.example`;
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fp, email, name: 'Victoria Known' });
    const id = visitorIdOf(ws, fp);
    await waitForVisitor(id, (v) => v.email === email);
    return { fp, email, id };
  }

  it('refuses a publishable-key takeover of a known person: no merge, no overwrite, an unverified claim on the sender', async () => {
    const ws = await roomyWorkspace(stack, 'Takeover');
    const victim = await knownPerson(ws);
    const attacker = uniqueFingerprint('mallory');
    const claim = await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: attacker, email: victim.email, name: 'Mallory' });
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(attacker, 'https://corp.example/after-claim'));
    const attackerId = visitorIdOf(ws, attacker);
    const after = await waitForVisitor(attackerId, (v) => v.summary.pageVisits === 1, 'the attacker’s page view');

    expect(after).toMatchObject({ email: null, mergedInto: null });
    expect(customs(await timelineOf(attackerId))).toEqual([
      expect.objectContaining({ id: claim, category: 'identity', label: 'unverified_identify', metadata: { email: victim.email, customer_id: null, reason: 'held by another person' } }),
    ]);
    const victimAfter = await visitorRepository.findById(victim.id);
    expect(victimAfter).toMatchObject({ email: victim.email, mergedVisitorIds: [], person: expect.objectContaining({ name: 'Victoria Known' }) });
    expect(links(await timelineOf(victim.id))).toEqual([]);
  });

  it('trusts a publishable-key identify carrying a valid user_hash like a server identify', async () => {
    const ws = await roomyWorkspace(stack, 'Verified');
    const victim = await knownPerson(ws);
    const device = uniqueFingerprint('second-device');
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(device, 'https://corp.example/from-phone'));
    const hash = identityHashOf(await secretOf(ws), victim.email);
    await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: device, email: victim.email, name: 'Victoria Verified', user_hash: hash.toUpperCase() });
    const merged = await waitForVisitor(victim.id, (v) => v.mergedVisitorIds.includes(visitorIdOf(ws, device)), 'the verified device merged');
    expect(merged.person.name).toBe('Victoria Verified');
    const activities = await stack.request('GET', `/api/v1/visitors/${victim.email}/activities`, { key: ws.secretKey });
    expect(JSON.stringify(activities.body)).toContain('https://corp.example/from-phone');
  });

  it('answers a wrong user_hash with a 400 naming it, and a rotation invalidates old hashes', async () => {
    const ws = await roomyWorkspace(stack, 'Wrong hash');
    const secret = await secretOf(ws);
    const email = 'someone@corp.example';
    const wrong = await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: 'fp_wrong', email, user_hash: identityHashOf('idv_not-the-secret', email) });
    expect(wrong.status).toBe(400);
    expect(Object.keys((wrong.body as unknown as { details: Record<string, string[]> }).details)).toEqual(['data.user_hash']);
    expect((await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: 'fp_right', email, user_hash: identityHashOf(secret, email) })).status).toBe(202);

    const rotated = await stack.request('POST', '/api/v1/identity-verification/rotate', { key: ws.secretKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect((await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: 'fp_old', email, user_hash: identityHashOf(secret, email) })).status).toBe(400);
    expect((await ingest(stack, ws.publishableKey, 'identify', { visitor_fingerprint: 'fp_new', email, user_hash: identityHashOf(rotated.body.secret, email) })).status).toBe(202);
    // The secret is for servers: a publishable key may not read it, another workspace sees its own.
    expect((await stack.request('GET', '/api/v1/identity-verification', { key: ws.publishableKey })).status).toBe(403);
    const other = await roomyWorkspace(stack, 'Other');
    expect(await secretOf(other)).not.toBe(rotated.body.secret);
  });

  it('lets a browser attach an identity nobody holds, but not change it once identified', async () => {
    const ws = await roomyWorkspace(stack, 'Unheld');
    const fp = uniqueFingerprint('newcomer');
    const email = `new.${fp.toLowerCase()}@corp.example`;
    await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email, name: 'New Comer' });
    const id = visitorIdOf(ws, fp);
    await waitForVisitor(id, (v) => v.email === email);
    const second = await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email: `other.${email}`, name: 'Changed' });
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://corp.example/later'));
    const after = await waitForVisitor(id, (v) => v.summary.pageVisits === 1);
    expect(after).toMatchObject({ email, person: expect.objectContaining({ name: 'New Comer' }) });
    expect(customs(await timelineOf(id))).toEqual([expect.objectContaining({ id: second, label: 'unverified_identify', metadata: expect.objectContaining({ reason: 'visitor already identified' }) })]);
  });
});
