import { MockActivityEnvironment } from '@temporalio/testing';
import { createVisitorPipelineActivities } from '../../activities/visitor-pipeline.activities';
import { createLogger } from '../../core/platform/logger';
import { LeadModel } from '../../core/leads/lead.model';
import { VisitorModel } from '../../core/visitors/visitor.model';
import { ingestRepository } from '../../core/ingest/ingest.repository';
import { IngestOutboxModel } from '../../core/ingest/ingest-outbox.model';
import { visitorIdentityRepository } from '../../core/visitors/visitor-identity.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { sendToVisitor } from '../../core/ingest/send-to-visitor';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { prepareIngestEvent } from '../../core/ingest/accept-ingest-events';
import { applyVisitorEvents } from '../../core/visitors/apply-visitor-events';
import { companyIdFor, leadIdFor } from '../../core/visitors/visitor-ids';
import {
  customs,
  emittedEvents,
  emittedFor,
  HOUR,
  ingest,
  ingestOk,
  links,
  outboxCountOf,
  mapLimit,
  MIN,
  pageview,
  processedEventsOf,
  roomyWorkspace,
  startPrivateTemporal,
  timelineOf,
  type PrivateTemporal,
  uniqueFingerprint,
  visitorIdOf,
  waitForEmptyOutbox,
  waitForVisitor,
} from '../support/ingest-helpers';
import { ReceiverPool, type ReceivedRequest, type TestReceiver } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The per-visitor pipeline (one Temporal entity workflow per visitor) through the public ingest
 * API: sessions, attribution, identify and merge, leads, emitted events and their webhooks.
 */

const DAY = 24 * HOUR;
const envelope = (r: ReceivedRequest) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, any> };

describe('visitor pipeline (real Temporal ingest partitions, database and webhooks)', () => {
  let stack: TestStack;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms', WEBHOOK_RETRY_JITTER: '0' } });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await stack?.close();
  });

  const workspace = (name: string) => roomyWorkspace(stack, name, { plan: 'pro' });
  async function subscribe(ws: TestWorkspace, events: string[]): Promise<TestReceiver> {
    const receiver = await receivers.start();
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url: `${receiver.url}/hook`, events } });
    expect(res.status).toBe(201);
    return receiver;
  }
  const pv = (ws: TestWorkspace, fp: string, url: string, at: number, over: Record<string, unknown> = {}) => ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, url, { timestamp: at, ...over }));
  // Server-side identify (secret key): trusted to merge into known people. Browser identify is covered by identity-verification.e2e.ts.
  const identify = (ws: TestWorkspace, fp: string, email: string, at: number, over: Record<string, unknown> = {}) => ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: fp, email, timestamp: at, ...over });
  const activities = async (ws: TestWorkspace, idOrEmail: string) => {
    const res = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(idOrEmail)}/activities?limit=100`, { key: ws.secretKey });
    expect(res.status).toBe(200);
    return res.body.data as Array<{ id: string; activity_type: string; link?: string; created_on: string }>;
  };

  describe('identify and merge', () => {
    let ws: TestWorkspace;
    let receiver: TestReceiver;
    const email = `grace.${uniqueFingerprint('p').toLowerCase()}@hopper.example`;
    const laptop = uniqueFingerprint('laptop');
    const phone = uniqueFingerprint('phone');
    const t0 = Date.now() - 2 * DAY;
    const anonymousPageviews: string[] = [];

    beforeAll(async () => {
      ws = await workspace('Pipeline identify');
      receiver = await subscribe(ws, ['lead.created', 'person.identified']);
    });

    it('anonymous history then identify: one person with the whole history, first-touch attribution, a lead and two webhooks', async () => {
      const landing = 'https://hopper.example/launch?utm_source=newsletter&utm_medium=email&utm_campaign=launch';
      anonymousPageviews.push(await pv(ws, laptop, landing, t0, { referrer: 'https://mail.example.net/', title: 'Launch' }));
      anonymousPageviews.push(await pv(ws, laptop, 'https://hopper.example/pricing', t0 + 2 * MIN, { referrer: 'https://hopper.example/launch', title: 'Pricing' }));
      const clicked = await ingestOk(stack, ws.publishableKey, 'event', { visitor_fingerprint: laptop, event_name: 'demo_requested', timestamp: t0 + 3 * MIN });
      anonymousPageviews.push(await pv(ws, laptop, 'https://hopper.example/docs', t0 + 5 * MIN, { referrer: 'https://hopper.example/pricing' }));
      await identify(ws, laptop, email, t0 + 6 * MIN, { name: 'Grace Hopper', company_name: 'Hopper Labs' });

      const id = visitorIdOf(ws, laptop);
      const person = await waitForVisitor(id, (v) => v.email === email, 'the laptop to be identified');
      expect(person).toMatchObject({ email, mergedInto: null, mergedVisitorIds: [], leadId: leadIdFor(id), person: { name: 'Grace Hopper', organization: 'Hopper Labs' }, company: { domain: 'hopper.example', name: 'Hopper Labs' } });
      expect(person.identifiedAt?.getTime()).toBe(t0 + 6 * MIN);
      expect(person.summary).toMatchObject({ pageVisits: 3, firstSeen: t0, lastSeen: t0 + 6 * MIN, sessions: [{ start: t0, end: t0 + 5 * MIN, pageVisits: 3 }] });
      // Internal navigation (same-site referrers) does not displace the campaign as first or last touch.
      expect(person.firstTouch).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'launch', landingPage: landing, referrer: 'https://mail.example.net/', touchedAt: t0 });
      expect(person.lastTouch).toMatchObject({ source: 'newsletter', touchedAt: t0 });
      expect(person.acquisition).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'launch', landingPage: landing, acquiredAt: t0 });

      const timeline = await timelineOf(id);
      expect(links(timeline).map((a) => a.id)).toEqual(anonymousPageviews);
      expect(customs(timeline).map((a) => a.id)).toEqual([clicked]);
      const api = await activities(ws, email);
      expect(api.map((a) => a.id).sort()).toEqual([...anonymousPageviews, clicked].sort());

      const lead = await LeadModel.findById(leadIdFor(id)).lean();
      expect(lead).toMatchObject({ visitorId: id, email, fullName: 'Grace Hopper', leadSource: 'newsletter', utmSource: 'newsletter', utmMedium: 'email', utmCampaign: 'launch', status: 'new' });
      expect(lead?.createdAt.getTime()).toBe(t0 + 6 * MIN);

      const delivered = (await receiver.waitForRequests(2)).map(envelope);
      const byType = new Map(delivered.map((e) => [e.type, e]));
      expect([...byType.keys()].sort()).toEqual(['lead.created', 'person.identified']);
      expect(byType.get('lead.created')?.data).toMatchObject({ id: leadIdFor(id), visitor_id: id, email, full_name: 'Grace Hopper', lead_source: 'newsletter', utm_campaign: 'launch', status: 'new' });
      expect(byType.get('person.identified')?.data).toMatchObject({
        visitor_id: id,
        contact_id: id,
        email,
        person_details: { name: 'Grace Hopper', organization: 'Hopper Labs' },
        company_details: { company_id: companyIdFor(ws.id, 'hopper.example'), domain: 'hopper.example', name: 'Hopper Labs' },
        identified_at: new Date(t0 + 6 * MIN).toISOString(),
      });
      // Anonymous page views are not person.page_visit events.
      for (const pvId of anonymousPageviews) expect(await emittedFor(pvId, 'person.page_visit')).toBeNull();
    });

    it('a second device identifying with the same email is merged into the person: its history, earlier first touch and later visits', async () => {
      const person = visitorIdOf(ws, laptop);
      const second = visitorIdOf(ws, phone);
      // The phone was seen a day BEFORE the laptop, from a paid campaign.
      const early = t0 - DAY;
      const phoneViews = [await pv(ws, phone, 'https://hopper.example/?utm_source=adwords&utm_medium=cpc', early), await pv(ws, phone, 'https://hopper.example/about', early + MIN)];
      await waitForVisitor(second, (v) => v.summary.pageVisits === 2, 'the phone history');
      const identifyId = await identify(ws, phone, email, t0 + DAY);

      const merged = await waitForVisitor(second, (v) => v.mergedInto !== null, 'the phone to be merged');
      expect(merged.mergedInto).toBe(person);
      expect(merged.email).toBeNull();
      const survivor = await waitForVisitor(person, (v) => v.mergedVisitorIds.includes(second) && v.summary.pageVisits === 5, 'the person to absorb the phone');
      expect(survivor).toMatchObject({ email, mergedInto: null, leadId: leadIdFor(person) });
      expect(survivor.firstSeenAt?.getTime()).toBe(early);
      expect(survivor.firstTouch).toMatchObject({ source: 'adwords', medium: 'cpc', touchedAt: early });
      expect(survivor.acquisition).toMatchObject({ source: 'adwords', landingPage: 'https://hopper.example/?utm_source=adwords&utm_medium=cpc' });
      expect(survivor.summary.sessions).toHaveLength(2);
      // The identify itself was applied to the person, once.
      const log = await eventually(async () => (await processedEventsOf(ws.id)).find((e) => e._id === identifyId), 10_000, 'the identify in the processed log');
      expect(log).toMatchObject({ visitorId: person, appliedTo: person });
      // Lookups by the phone's id or the email answer as the person, with both devices' timelines.
      expect((await stack.request('GET', `/api/v1/visitors/${second}`, { key: ws.secretKey })).body).toMatchObject({ id: person, email });
      const api = await activities(ws, second);
      expect(api.filter((a) => a.activity_type === 'links').map((a) => a.id).sort()).toEqual([...anonymousPageviews, ...phoneViews].sort());

      // One person, one lead, one person.identified.
      expect(await LeadModel.countDocuments({ workspaceId: ws.id })).toBe(1);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'email', email)).toBe(person);
      expect((await emittedEvents(ws.id, 'person.identified')).length).toBe(1);

      // Later page views of the phone land on the person, as identified page visits.
      const later = await pv(ws, phone, 'https://hopper.example/blog/merge', t0 + DAY + MIN, { title: 'Merged' });
      const after = await waitForVisitor(person, (v) => v.summary.pageVisits === 6, 'the phone’s later page view on the person');
      expect(after.lastSeenAt?.getTime()).toBe(t0 + DAY + MIN);
      expect((await visitorRepository.findById(second))?.summary.pageVisits).toBe(2);
      const visit = await eventually(() => emittedFor(later, 'person.page_visit').then((e) => e ?? undefined), 10_000, 'person.page_visit of the merged device');
      expect(visit.data).toMatchObject({ visitor_id: person, email, url: 'https://hopper.example/blog/merge', title: 'Merged' });
      // Still exactly one lead.created and one person.identified (stored before the visitor is saved).
      expect(await emittedEvents(ws.id, 'lead.created')).toHaveLength(1);
      expect(receiver.requests.map((r) => envelope(r).type).sort()).toEqual(['lead.created', 'person.identified']);
    });
  });

  describe('people are never merged across different identities', () => {
    it('a lead created from a customer id gains the email and name given later, keeping the status set meanwhile', async () => {
      const ws = await workspace('Pipeline lead contact');
      const fp = uniqueFingerprint('crm');
      const email = `lin.${fp.toLowerCase()}@crm.example`;
      const t0 = Date.now() - HOUR;
      await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, customer_id: `cus-${fp}`, timestamp: t0 });
      const id = visitorIdOf(ws, fp);
      await waitForVisitor(id, (v) => v.customerId === `cus-${fp}`);
      expect(await LeadModel.findById(leadIdFor(id)).lean()).toMatchObject({ email: null, fullName: null });
      const patched = await stack.request('PATCH', `/api/v1/leads/${leadIdFor(id)}`, { key: ws.secretKey, body: { status: 'contacted' } });
      expect(patched.status).toBe(200);

      await identify(ws, fp, email, t0 + MIN, { name: 'Lin Crm' });
      await waitForVisitor(id, (v) => v.email === email);
      const lead = await stack.request('GET', `/api/v1/leads/${leadIdFor(id)}`, { key: ws.secretKey });
      expect(lead.body).toMatchObject({ email, full_name: 'Lin Crm', status: 'contacted' });
    });

    it('two visitors identified with different emails stay apart, and a conflicting identify on an identified visitor does not merge them', async () => {
      const ws = await workspace('Pipeline no merge');
      const [alice, bob] = [uniqueFingerprint('alice'), uniqueFingerprint('bob')];
      const aliceEmail = `alice.${alice.toLowerCase()}@one.example`;
      const bobEmail = `bob.${bob.toLowerCase()}@two.example`;
      const t0 = Date.now() - HOUR;
      await pv(ws, alice, 'https://site.example/a', t0);
      await identify(ws, alice, aliceEmail, t0 + MIN, { customer_id: `cust-${alice}` });
      await pv(ws, bob, 'https://site.example/b', t0);
      await identify(ws, bob, bobEmail, t0 + MIN);
      const aliceId = visitorIdOf(ws, alice);
      const bobId = visitorIdOf(ws, bob);
      await waitForVisitor(aliceId, (v) => v.email === aliceEmail);
      await waitForVisitor(bobId, (v) => v.email === bobEmail);

      // Bob's device now claims Alice's email, and then Alice's customer id.
      const conflict = await identify(ws, bob, aliceEmail, t0 + 2 * MIN);
      const conflict2 = await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: bob, customer_id: `cust-${alice}`, timestamp: t0 + 3 * MIN });
      await pv(ws, bob, 'https://site.example/b2', t0 + 4 * MIN);
      const bobAfter = await waitForVisitor(bobId, (v) => v.summary.pageVisits === 2, 'Bob’s later page view');
      expect(bobAfter).toMatchObject({ email: bobEmail, customerId: null, mergedInto: null, mergedVisitorIds: [] });
      expect(customs(await timelineOf(bobId))).toEqual([
        expect.objectContaining({ id: conflict, category: 'identity', label: 'identify_conflict', metadata: { email: aliceEmail, customer_id: null } }),
        expect.objectContaining({ id: conflict2, category: 'identity', label: 'identify_conflict', activityIdentifier: aliceId, metadata: { email: null, customer_id: `cust-${alice}` } }),
      ]);
      const aliceAfter = await visitorRepository.findById(aliceId);
      expect(aliceAfter).toMatchObject({ email: aliceEmail, customerId: `cust-${alice}`, mergedInto: null, mergedVisitorIds: [] });
      expect(aliceAfter?.summary.pageVisits).toBe(1);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'email', aliceEmail)).toBe(aliceId);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'email', bobEmail)).toBe(bobId);
      expect(await visitorIdentityRepository.ownerOf(ws.id, 'customer', `cust-${alice}`)).toBe(aliceId);
      expect(await LeadModel.countDocuments({ workspaceId: ws.id })).toBe(2);
      expect((await emittedEvents(ws.id, 'person.identified')).map((e) => e.data.email).sort()).toEqual([aliceEmail, bobEmail].sort());
    });
  });

  describe('time', () => {
    let ws: TestWorkspace;
    beforeAll(async () => {
      ws = await workspace('Pipeline time');
    });

    it('an earlier-dated page view that arrives later becomes the first touch, landing page and first-seen', async () => {
      const fp = uniqueFingerprint();
      const t0 = Date.now() - 3 * HOUR;
      await pv(ws, fp, 'https://site.example/second?utm_source=retargeting', t0);
      const id = visitorIdOf(ws, fp);
      await waitForVisitor(id, (v) => v.summary.pageVisits === 1);
      await pv(ws, fp, 'https://site.example/first?utm_source=conference&utm_campaign=expo', t0 - 2 * HOUR, { referrer: 'https://events.example.org/' });
      const v = await waitForVisitor(id, (d) => d.summary.pageVisits === 2);
      expect(v.firstSeenAt?.getTime()).toBe(t0 - 2 * HOUR);
      expect(v.lastSeenAt?.getTime()).toBe(t0);
      expect(v.summary).toMatchObject({ firstSeen: t0 - 2 * HOUR, lastSeen: t0 });
      expect(v.firstTouch).toMatchObject({ source: 'conference', campaign: 'expo', landingPage: 'https://site.example/first?utm_source=conference&utm_campaign=expo', touchedAt: t0 - 2 * HOUR });
      expect(v.lastTouch).toMatchObject({ source: 'retargeting', touchedAt: t0 });
      expect(v.acquisition).toMatchObject({ source: 'conference', campaign: 'expo', landingPage: 'https://site.example/first?utm_source=conference&utm_campaign=expo', acquiredAt: t0 - 2 * HOUR });
      expect(v.summary.sessions.map((s) => [s.start, s.pageVisits])).toEqual([
        [t0 - 2 * HOUR, 1],
        [t0, 1],
      ]);
      const attribution = await stack.request('GET', `/api/v1/visitors/${id}/attribution`, { key: ws.secretKey });
      expect(attribution.status).toBe(200);
      expect(JSON.stringify(attribution.body)).toContain('conference');
    });

    it('splits sessions after more than 30 minutes of inactivity, not after 29', async () => {
      const split = uniqueFingerprint('split');
      const kept = uniqueFingerprint('kept');
      const t0 = Date.now() - 5 * HOUR;
      for (const offset of [0, 10 * MIN, 41 * MIN]) await pv(ws, split, `https://site.example/s/${offset}`, t0 + offset);
      for (const offset of [0, 29 * MIN, 58 * MIN]) await pv(ws, kept, `https://site.example/k/${offset}`, t0 + offset);
      const s = await waitForVisitor(visitorIdOf(ws, split), (v) => v.summary.pageVisits === 3);
      const k = await waitForVisitor(visitorIdOf(ws, kept), (v) => v.summary.pageVisits === 3);
      expect(s.summary.sessions).toEqual([
        { start: t0, end: t0 + 10 * MIN, pageVisits: 2 },
        { start: t0 + 41 * MIN, end: t0 + 41 * MIN, pageVisits: 1 },
      ]);
      expect(k.summary.sessions).toEqual([{ start: t0, end: t0 + 58 * MIN, pageVisits: 3 }]);
      const view = async (id: string) => (await stack.request('GET', `/api/v1/visitors/${id}`, { key: ws.secretKey })).body.web_activity_summary;
      expect(await view(s._id)).toMatchObject({ total_page_visits: 3, total_website_sessions: 2, total_time_spent: 600 });
      expect(await view(k._id)).toMatchObject({ total_page_visits: 3, total_website_sessions: 1, total_time_spent: 58 * 60 });
    });

    it('a late page view that fills a gap joins the two sessions around it into one', async () => {
      const fp = uniqueFingerprint('bridge');
      const t0 = Date.now() - 6 * HOUR;
      await pv(ws, fp, 'https://site.example/1', t0);
      await pv(ws, fp, 'https://site.example/3', t0 + 50 * MIN);
      const id = visitorIdOf(ws, fp);
      expect((await waitForVisitor(id, (v) => v.summary.pageVisits === 2)).summary.sessions).toHaveLength(2);
      await pv(ws, fp, 'https://site.example/2', t0 + 25 * MIN);
      const v = await waitForVisitor(id, (d) => d.summary.pageVisits === 3);
      expect(v.summary.sessions).toEqual([{ start: t0, end: t0 + 50 * MIN, pageVisits: 3 }]);
    });
  });

  describe('order', () => {
    it('keeps each visitor’s arrival order under concurrent load: anonymous view → identify → identified view', async () => {
      const ws = await workspace('Pipeline order');
      const visitors = Array.from({ length: 24 }, () => uniqueFingerprint('ord'));
      const sent = await mapLimit(visitors, 12, async (fp) => {
        const before = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://order.example/before'));
        await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: fp, email: `${fp.toLowerCase()}@order.example` });
        const after = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://order.example/after'));
        return { fp, before, after };
      });
      for (const { fp } of sent) await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 2 && v.email !== null, `visitor ${fp}`);
      const emitted = new Set((await emittedEvents(ws.id, 'person.page_visit')).map((e) => e._id));
      const wrong = [];
      for (const { fp, before, after } of sent) {
        const b = await emittedFor(before, 'person.page_visit');
        const a = await emittedFor(after, 'person.page_visit');
        if (b || !a) wrong.push({ fp, anonymousViewEmitted: Boolean(b), identifiedViewEmitted: Boolean(a) });
      }
      expect(wrong).toEqual([]);
      expect(emitted.size).toBe(visitors.length);
    }, 60_000);
  });

  describe('idempotency', () => {
    it('a batch applied again after a crash before the visitor was saved adds no timeline entry twice', async () => {
      const ws = await workspace('Pipeline crash');
      const fp = uniqueFingerprint('crash');
      const caller = { workspaceId: ws.id, keyKind: 'publishable' as const, ip: null, userAgent: null, receivedAt: Date.now() };
      const events = [
        { type: 'pageview', data: pageview(fp, 'https://crash.example/1', { timestamp: Date.now() - MIN }) },
        { type: 'event', data: { visitor_fingerprint: fp, event_name: 'signup_started', event_data: { plan: 'pro' } } },
      ].map((raw) => {
        const prepared = prepareIngestEvent(raw, caller);
        if (!prepared.ok) throw prepared.error;
        return prepared.event;
      });
      const visitorId = visitorIdOf(ws, fp);
      const deps = { temporal: stack.temporal, config: stack.config, logger: createLogger('silent', 'test') };
      await applyVisitorEvents(deps, { workspaceId: ws.id, visitorId, events });
      // The worker died after the timeline writes but before the visitor was saved: the retry
      // starts from the old visitor (here: none) and writes the same entries again.
      await VisitorModel.deleteOne({ _id: visitorId });
      await applyVisitorEvents(deps, { workspaceId: ws.id, visitorId, events });
      const timeline = await timelineOf(visitorId);
      expect(timeline.map((a) => a.id)).toEqual(events.map((e) => e.id));
      expect(await visitorRepository.findById(visitorId)).toMatchObject({ activityCount: 2, summary: { pageVisits: 1 } });
    });
  });

  describe('outbox sweep', () => {
    it('gives rows an earlier version left without a route one, oldest first, so their partitions apply them in order', async () => {
      const ws = await workspace('Pipeline sweep routes');
      const fingerprints = [uniqueFingerprint('rta'), uniqueFingerprint('rtb'), uniqueFingerprint('rtc')];
      const acceptedAt = Date.now() - MIN;
      const ids = new Map<string, string[]>(fingerprints.map((fp) => [fp, []]));
      for (let n = 0; n < 10; n++) {
        const fp = fingerprints[n % 3];
        const prepared = prepareIngestEvent({ type: 'pageview', data: pageview(fp, `https://routes.example/${n}`, { timestamp: acceptedAt - HOUR + n }) }, { workspaceId: ws.id, keyKind: 'publishable', ip: null, userAgent: null, receivedAt: acceptedAt + n });
        if (!prepared.ok) throw prepared.error;
        const { id, workspaceId, visitorId } = prepared.event;
        await IngestOutboxModel.collection.insertOne({ _id: id as never, workspaceId, visitorId, event: prepared.event, receivedAt: new Date(acceptedAt + n) });
        ids.get(fp)?.push(id);
      }
      // No partition polls a row without a route.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await outboxCountOf(ws.id)).toBe(10);
      const activities = createVisitorPipelineActivities({ config: stack.config, temporal: stack.temporal, logger: createLogger('silent', 'test') });
      await new MockActivityEnvironment().run(activities.redispatchIngestOutbox, { limit: 20 });
      for (const fp of fingerprints) {
        const id = visitorIdOf(ws, fp);
        await waitForVisitor(id, (v) => v.summary.pageVisits === ids.get(fp)?.length, `the routed page views of ${fp}`);
        expect(links(await timelineOf(id)).map((a) => a.id)).toEqual(ids.get(fp));
      }
      await waitForEmptyOutbox(ws.id);
    });
  });

  describe('page visits of identified people', () => {
    it('emits person.page_visit (and company.page_visit) for an identified visitor’s page views, never for anonymous ones', async () => {
      const ws = await workspace('Pipeline page visits');
      const receiver = await subscribe(ws, ['person.page_visit']);
      const fp = uniqueFingerprint();
      const email = `lin.${fp.toLowerCase()}@visits-co.example`;
      const t0 = Date.now() - 30 * MIN;
      const anonymous = await pv(ws, fp, 'https://visits.example/anon', t0);
      await identify(ws, fp, email, t0 + MIN);
      const known = await pv(ws, fp, 'https://visits.example/pricing?utm_source=mail', t0 + 2 * MIN, { title: 'Pricing', referrer: 'https://mail.example.net/inbox' });
      const id = visitorIdOf(ws, fp);
      await waitForVisitor(id, (v) => v.summary.pageVisits === 2);

      expect(await emittedFor(anonymous, 'person.page_visit')).toBeNull();
      expect(await emittedFor(anonymous, 'company.page_visit')).toBeNull();
      const visit = await emittedFor(known, 'person.page_visit');
      expect(visit?.data).toEqual({
        visitor_id: id,
        contact_id: id,
        email,
        url: 'https://visits.example/pricing?utm_source=mail',
        path: '/pricing',
        title: 'Pricing',
        referrer: 'https://mail.example.net/inbox',
        utm_params: { utm_source: 'mail' },
        visited_at: new Date(t0 + 2 * MIN).toISOString(),
        company: { company_id: companyIdFor(ws.id, 'visits-co.example'), name: null, domain: 'visits-co.example' },
      });
      const companyVisit = await emittedFor(known, 'company.page_visit');
      expect(companyVisit?.data).toMatchObject({ company_id: companyIdFor(ws.id, 'visits-co.example'), domain: 'visits-co.example', visitor_id: id, url: 'https://visits.example/pricing?utm_source=mail' });
      expect((await emittedEvents(ws.id, 'person.page_visit')).map((e) => e._id)).toEqual([visit?._id]);

      const [request] = await receiver.waitForRequests(1);
      expect(envelope(request)).toMatchObject({ id: visit?._id, type: 'person.page_visit', data: { url: 'https://visits.example/pricing?utm_source=mail' } });
      expect(receiver.requests).toHaveLength(1);
    });

    it('an identify with an unusual company_domain ("acme.c") neither stalls the visitor nor loses person.identified', async () => {
      // normalizeDomain() (core/companies/company-from-identity.ts) accepts "acme.c", the event payload schema's
      // domain regex does not; the resulting error must not stop the visitor's pipeline.
      const ws = await workspace('Pipeline odd domain');
      const fp = uniqueFingerprint();
      const email = `kim.${fp.toLowerCase()}@gmail.com`;
      const t0 = Date.now() - 20 * MIN;
      await identify(ws, fp, email, t0, { company_domain: 'acme.c' });
      const later = await pv(ws, fp, 'https://odd.example/', t0 + MIN);
      const id = visitorIdOf(ws, fp);
      try {
        await waitForVisitor(id, (v) => v.summary.pageVisits === 1, 'the page view after the identify (the pipeline is stuck otherwise)', 15_000);
        expect((await emittedEvents(ws.id, 'person.identified')).map((e) => e.data.email)).toEqual([email]);
        expect(await emittedFor(later, 'person.page_visit')).not.toBeNull();
      } finally {
        // A stuck visitor workflow retries its local activity forever and would hold up the worker's shutdown.
        await stack.temporal.workflow.getHandle(workflowIds.visitor(ws.id, id)).terminate('test cleanup').catch(() => undefined);
      }
    });
  });
});

/**
 * Continue-as-new under load, on a Temporal dev server of this file's own that suggests continuing
 * as new after 10 history events (the product's own limit is 2,000, too slow to reach here).
 */
describe('visitor workflow continue-as-new (private Temporal server)', () => {
  let temporal: PrivateTemporal | undefined;
  let stack: TestStack;
  const sharedAddress = process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS;

  beforeAll(async () => {
    temporal = await startPrivateTemporal({ 'limit.historyCount.suggestContinueAsNew': 10 });
    process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
    stack = await startTestStack({ env: { INGEST_PIPELINE: 'visitors' } });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await temporal?.stop();
    process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = sharedAddress;
  }, 60_000);

  it('the outbox sweep hands a backlog larger than one page over in one run, each visitor’s events in the order accepted', async () => {
    const ws = await roomyWorkspace(stack, 'Pipeline sweep');
    const fingerprints = [uniqueFingerprint('swa'), uniqueFingerprint('swb'), uniqueFingerprint('swc')];
    // Accepted a minute ago by an API process that died before handing them over.
    const acceptedAt = Date.now() - MIN;
    const ids = new Map<string, string[]>(fingerprints.map((fp) => [fp, []]));
    for (let n = 0; n < 10; n++) {
      const fp = fingerprints[n % 3];
      const prepared = prepareIngestEvent({ type: 'pageview', data: pageview(fp, `https://sweep.example/${n}`, { timestamp: acceptedAt - HOUR + n }) }, { workspaceId: ws.id, keyKind: 'publishable', ip: null, userAgent: null, receivedAt: acceptedAt + n });
      if (!prepared.ok) throw prepared.error;
      expect(await ingestRepository.addToOutbox(prepared.event)).toBe(true);
      ids.get(fp)?.push(prepared.event.id);
    }
    const activities = createVisitorPipelineActivities({ config: stack.config, temporal: stack.temporal, logger: createLogger('silent', 'test') });
    // Pages of 3: four pages in one run.
    const result = (await new MockActivityEnvironment().run(activities.redispatchIngestOutbox, { limit: 3 })) as { redispatched: number };
    expect(result.redispatched).toBe(10);
    for (const fp of fingerprints) {
      const id = visitorIdOf(ws, fp);
      await waitForVisitor(id, (v) => v.summary.pageVisits === ids.get(fp)?.length, `the swept page views of ${fp}`);
      expect(links(await timelineOf(id)).map((a) => a.id)).toEqual(ids.get(fp));
    }
    await waitForEmptyOutbox(ws.id);
  });

  it('loses and repeats no event across many continue-as-new hand-overs, with signals arriving concurrently', async () => {
    const ws = await roomyWorkspace(stack, 'Pipeline continue-as-new');
    const fp = uniqueFingerprint('long');
    const id = visitorIdOf(ws, fp);
    const workflowId = workflowIds.visitor(ws.id, id);
    const t0 = Date.now() - 12 * HOUR;
    const send = (n: number, extra: Record<string, unknown> = {}) => ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, `https://long.example/${n}`, { timestamp: t0 + n * 1000 }), extra);

    await send(0);
    await waitForVisitor(id, (v) => v.summary.pageVisits === 1);
    const firstRun = (await stack.temporal.workflow.getHandle(workflowId).describe()).runId;

    // 40 one by one, then 80 with six requests in flight, each with a messageId. A second sender
    // (another API replica, or the outbox sweep) hands the same events over at the same time, so
    // signals race each other and the hand-overs.
    for (let n = 1; n <= 40; n++) await send(n);
    const concurrent = Array.from({ length: 80 }, (_, i) => 41 + i);
    const senderDeps = { config: stack.config, logger: createLogger('silent', 'test'), temporal: stack.temporal };
    const secondSender = (n: number) => {
      const raw = { type: 'pageview', messageId: `long-${fp}-${n}`, data: pageview(fp, `https://long.example/${n}`, { timestamp: t0 + n * 1000 }) };
      const prepared = prepareIngestEvent(raw, { workspaceId: ws.id, keyKind: 'publishable', ip: null, userAgent: null, receivedAt: Date.now() });
      if (!prepared.ok) throw prepared.error;
      return sendToVisitor(senderDeps, { workspaceId: ws.id, visitorId: id, events: [prepared.event] });
    };
    await mapLimit(concurrent, 6, async (n) => {
      await Promise.all([send(n, { messageId: `long-${fp}-${n}` }), secondSender(n)]);
    });
    // Repeats of some of those messages are duplicates, whichever run they meet.
    const repeats = await mapLimit(concurrent.slice(0, 20), 4, (n) => ingest(stack, ws.publishableKey, 'pageview', pageview(fp, `https://long.example/${n}`, { timestamp: t0 + n * 1000 }), { messageId: `long-${fp}-${n}` }));
    expect(repeats.map((r, i) => ({ n: concurrent[i], status: r.status, body: r.body }))).toEqual(concurrent.slice(0, 20).map((n) => ({ n, status: 202, body: expect.objectContaining({ duplicate: true }) })));
    const total = 121;

    const v = await waitForVisitor(id, (d) => d.summary.pageVisits >= total, `all ${total} page views`, 60_000);
    expect(v.summary.pageVisits).toBe(total);
    expect(v.activityCount).toBe(total);
    const timeline = links(await timelineOf(id));
    expect(timeline).toHaveLength(total);
    expect(new Set(timeline.map((a) => a.url)).size).toBe(total);
    expect(new Set(timeline.map((a) => a.id)).size).toBe(total);
    // The visitor is saved before its events are logged as processed and leave the outbox.
    await waitForEmptyOutbox(ws.id);
    expect((await processedEventsOf(ws.id)).length).toBe(total);

    // It did hand over: the first run continued as new, and so did several after it.
    expect((await stack.temporal.workflow.getHandle(workflowId, firstRun).describe()).status.name).toBe('CONTINUED_AS_NEW');
    const runs = await eventually(async () => {
      const statuses: string[] = [];
      for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) statuses.push(run.status.name);
      return statuses.filter((s) => s === 'CONTINUED_AS_NEW').length >= 2 ? statuses : undefined;
    }, 10_000, 'two or more continue-as-new runs in visibility');
    expect(runs.filter((s) => s === 'RUNNING')).toHaveLength(1);
  }, 120_000);
});
