import { AttributeTypeModel } from '../../core/visitors/attribute-type.model';
import { LeadModel } from '../../core/leads/lead.model';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { leadIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import {
  acceptedCountFor,
  customs,
  emittedEvents,
  HOUR,
  ingestOk,
  MIN,
  pageview,
  roomyWorkspace,
  timelineOf,
  uniqueFingerprint,
  visitorIdOf,
  waitForVisitor,
} from '../support/ingest-helpers';
import { startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The visitor write API (identify, typed attributes, tags, custom activity): stored, answered 202,
 * then applied by the visitor's own workflow in order with its tracked events.
 */

interface Queued {
  success: true;
  id: string;
  visitor_id: string;
}


describe('visitor write API (real API, Temporal visitor workflows and database)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;

  beforeAll(async () => {
    stack = await startTestStack();
    ws = await roomyWorkspace(stack, 'Visitor writes');
  });
  afterAll(async () => stack?.close());

  const post = <T = any>(path: string, body: unknown, key = ws.secretKey): Promise<ApiResponse<T>> => stack.request<T>('POST', `/api/v1${path}`, { key, body });
  const accepted = (res: ApiResponse<Queued>, visitorId: string) => {
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { success: true, id: expect.any(String), visitor_id: visitorId } });
    return res.body.id;
  };
  /** An anonymous visitor seen on the site (one page view), ready in the database. */
  async function trackedVisitor(over: Record<string, unknown> = {}): Promise<{ fp: string; id: string }> {
    const fp = uniqueFingerprint();
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://writes.example/?utm_source=partner&utm_medium=referral', { timestamp: Date.now() - HOUR, ...over }));
    const id = visitorIdOf(ws, fp);
    await waitForVisitor(id, (v) => v.summary.pageVisits === 1, 'the tracked visitor');
    return { fp, id };
  }
  const emailFor = (tag: string) => `${tag}.${uniqueFingerprint('m').toLowerCase()}@writes-co.example`;

  describe('POST /visitors/:visitor/identify', () => {
    it('identifies an anonymous visitor by id: email, person details, company, lead and person.identified; then by email', async () => {
      const { id } = await trackedVisitor();
      const email = emailFor('ida');
      accepted(await post<Queued>(`/visitors/${id}/identify`, { email: email.toUpperCase(), first_name: 'Ida', last_name: 'Rhodes', phone: '+1 555 0100', title: 'Analyst', company_name: 'Writes Co' }), id);
      const v = await waitForVisitor(id, (d) => d.email === email, 'the API identify');
      expect(v).toMatchObject({ email, leadId: leadIdFor(id), person: { name: 'Ida Rhodes', first_name: 'Ida', last_name: 'Rhodes', phone: '+1 555 0100', title: 'Analyst', organization: 'Writes Co' }, company: { domain: 'writes-co.example', name: 'Writes Co' } });
      expect(await LeadModel.findById(leadIdFor(id)).lean()).toMatchObject({ email, fullName: 'Ida Rhodes', leadSource: 'partner', utmMedium: 'referral' });
      expect((await emittedEvents(ws.id, 'person.identified')).filter((e) => e.data.visitor_id === id)).toHaveLength(1);

      // By email: adds the customer id to the same person.
      accepted(await post<Queued>(`/visitors/${encodeURIComponent(email)}/identify`, { customer_id: `crm-${id}` }), id);
      const again = await waitForVisitor(id, (d) => d.customerId === `crm-${id}`, 'the identify by email');
      expect(again.email).toBe(email);
      expect(await LeadModel.countDocuments({ visitorId: id })).toBe(1);
    });

    it('merges an anonymous visitor into the person whose email it is given, and never merges two identified people', async () => {
      const person = await trackedVisitor();
      const email = emailFor('merge');
      accepted(await post<Queued>(`/visitors/${person.id}/identify`, { email }), person.id);
      await waitForVisitor(person.id, (v) => v.email === email);

      const device = await trackedVisitor({ timestamp: Date.now() - 2 * HOUR });
      accepted(await post<Queued>(`/visitors/${device.id}/identify`, { email }), device.id);
      expect((await waitForVisitor(device.id, (v) => v.mergedInto !== null, 'the merge')).mergedInto).toBe(person.id);
      const survivor = await waitForVisitor(person.id, (v) => v.mergedVisitorIds.includes(device.id) && v.summary.pageVisits === 2, 'the person to absorb the device');
      expect(survivor.firstSeenAt?.getTime()).toBeLessThan(Date.now() - HOUR - MIN);

      // Writes to the merged device's id land on the person.
      accepted(await post<Queued>(`/visitors/${device.id}/tags`, { add: ['merged-write'] }), person.id);
      await waitForVisitor(person.id, (v) => v.tags.includes('merged-write'), 'the tag on the person');

      // An identified visitor given another person's email stays itself.
      const other = await trackedVisitor();
      const otherEmail = emailFor('other');
      accepted(await post<Queued>(`/visitors/${other.id}/identify`, { email: otherEmail }), other.id);
      await waitForVisitor(other.id, (v) => v.email === otherEmail);
      const conflict = accepted(await post<Queued>(`/visitors/${other.id}/identify`, { email }), other.id);
      await waitForVisitor(other.id, (v) => v.activityCount === 2, 'the conflict note');
      expect(await visitorRepository.findById(other.id)).toMatchObject({ email: otherEmail, mergedInto: null });
      expect(customs(await timelineOf(other.id))).toEqual([expect.objectContaining({ id: conflict, category: 'identity', label: 'identify_conflict' })]);
      expect((await visitorRepository.findById(person.id))?.mergedVisitorIds).toEqual([device.id]);
    });

    it('answers 404 for an unknown visitor, 400 without email or customer id, 403 for a publishable key', async () => {
      expect((await post('/visitors/vis_000000000000000000000000/identify', { email: 'x@y.example' })).status).toBe(404);
      expect((await post(`/visitors/${encodeURIComponent('nobody@nowhere.example')}/identify`, { email: 'x@y.example' })).status).toBe(404);
      const { id } = await trackedVisitor();
      const noIdentity = await post(`/visitors/${id}/identify`, { name: 'No One' });
      expect(noIdentity.status).toBe(400);
      expect(noIdentity.body.details).toHaveProperty('customer_id');
      const badEmail = await post(`/visitors/${id}/identify`, { email: 'not-an-email' });
      expect(badEmail.status).toBe(400);
      expect(badEmail.body.details).toHaveProperty('email');
      const unknownField = await post(`/visitors/${id}/identify`, { email: 'a@b.example', visitor_fingerprint: 'x' });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.details).toEqual({ visitor_fingerprint: ['Unknown field'] });
      expect((await post(`/visitors/${id}/identify`, { email: 'a@b.example' }, ws.publishableKey)).status).toBe(403);
      expect((await post(`/visitors/${id}/identify`, { email: 'a@b.example' }, 'sk_invalid')).status).toBe(401);
    });
  });

  describe('POST /visitor-attributes', () => {
    it('sets typed attributes whose type is fixed per workspace by the first value', async () => {
      const { id } = await trackedVisitor();
      const res = await post<Queued>('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { plan: 'pro', seats: 5, mrr: 99.5, churned: false } });
      accepted(res, id);
      await waitForVisitor(id, (v) => Object.keys(v.attributes).length === 4, 'the attributes');
      expect((await visitorRepository.findById(id))?.attributes).toEqual({ plan: 'pro', seats: 5, mrr: 99.5, churned: false });
      const types = await AttributeTypeModel.find({ workspaceId: ws.id, label: { $in: ['plan', 'seats', 'mrr', 'churned'] } }).lean();
      expect(Object.fromEntries(types.map((t) => [t.label, t.type]))).toEqual({ plan: 'string', seats: 'number', mrr: 'decimal', churned: 'boolean' });

      // Mismatches are 400s naming each attribute; nothing of the request is written.
      const mismatch = await post('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { plan: 3, seats: 'five', churned: 'no', fresh_label: 'x' } });
      expect(mismatch.status).toBe(400);
      expect(Object.keys(mismatch.body.details).sort()).toEqual(['visitor_attributes.churned', 'visitor_attributes.plan', 'visitor_attributes.seats']);
      const decimalIntoNumber = await post('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { seats: 6.5 } });
      expect(decimalIntoNumber.status).toBe(400);
      expect(decimalIntoNumber.body.details).toHaveProperty(['visitor_attributes.seats']);
      expect(await AttributeTypeModel.countDocuments({ workspaceId: ws.id, label: 'fresh_label' })).toBe(0);

      // A decimal attribute takes whole numbers; matching values replace the old ones, in order.
      accepted(await post<Queued>('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { mrr: 100, seats: 6 } }), id);
      accepted(await post<Queued>('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { seats: 7, churned: true } }), id);
      const v = await waitForVisitor(id, (d) => d.attributes.churned === true, 'the later attributes');
      expect(v.attributes).toEqual({ plan: 'pro', seats: 7, mrr: 100, churned: true });

      // fresh_label was never fixed by the refused request: its first real value decides.
      accepted(await post<Queued>('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { fresh_label: 42 } }), id);
      await waitForVisitor(id, (d) => d.attributes.fresh_label === 42);

      // Types are per workspace: another workspace may use "seats" as a string.
      const other = await roomyWorkspace(stack, 'Visitor writes other');
      const fp = uniqueFingerprint();
      await ingestOk(stack, other.publishableKey, 'pageview', pageview(fp, 'https://other.example/'));
      const otherId = visitorIdOf(other, fp);
      await waitForVisitor(otherId, (d) => d.summary.pageVisits === 1);
      const otherRes = await stack.request<Queued>('POST', '/api/v1/visitor-attributes', { key: other.secretKey, body: { visitor_identifier: otherId, visitor_attributes: { seats: 'five' } } });
      expect(otherRes.status).toBe(202);
      await waitForVisitor(otherId, (d) => d.attributes.seats === 'five');
    });

    it('finds the visitor by email; an unknown one is 404 unless create_new with an email creates an identified visitor', async () => {
      const { id } = await trackedVisitor();
      const email = emailFor('attr');
      accepted(await post<Queued>(`/visitors/${id}/identify`, { email }), id);
      await waitForVisitor(id, (v) => v.email === email);
      accepted(await post<Queued>('/visitor-attributes', { visitor_identifier: email.toUpperCase(), visitor_attributes: { by_email: true } }), id);
      await waitForVisitor(id, (v) => v.attributes.by_email === true, 'the attribute set by email');

      const unknown = emailFor('new');
      expect((await post('/visitor-attributes', { visitor_identifier: unknown, visitor_attributes: { source_list: 'webinar' } })).status).toBe(404);
      expect((await post('/visitor-attributes', { visitor_identifier: 'vis_000000000000000000000000', visitor_attributes: { source_list: 'webinar' }, create_new: true })).status).toBe(404);
      const created = await post<Queued>('/visitor-attributes', { visitor_identifier: unknown, visitor_attributes: { source_list: 'webinar' }, create_new: true });
      const newId = visitorIdFor(ws.id, `email:${unknown}`);
      accepted(created, newId);
      const v = await waitForVisitor(newId, (d) => d.email === unknown && d.attributes.source_list === 'webinar', 'the created visitor');
      expect(v).toMatchObject({ key: `email:${unknown}`, leadId: leadIdFor(newId), mergedInto: null });
      expect(await LeadModel.findById(leadIdFor(newId)).lean()).toMatchObject({ email: unknown });
      // It is now known: the API finds it by email.
      expect((await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(unknown)}`, { key: ws.secretKey })).body).toMatchObject({ id: newId, visitor_attributes: { source_list: 'webinar' } });
    });

    it('refuses malformed requests with field-level 400s', async () => {
      const { id } = await trackedVisitor();
      const cases: Array<[unknown, string]> = [
        [{ visitor_identifier: id, visitor_attributes: {} }, 'visitor_attributes'],
        [{ visitor_identifier: id, visitor_attributes: { nested: { a: 1 } } }, 'visitor_attributes.nested'],
        [{ visitor_identifier: id, visitor_attributes: { list: [1] } }, 'visitor_attributes.list'],
        [{ visitor_identifier: id, visitor_attributes: { nothing: null } }, 'visitor_attributes.nothing'],
        [{ visitor_attributes: { a: 1 } }, 'visitor_identifier'],
        [{ visitor_identifier: id, visitor_attributes: { a: 1 }, create_new: 'yes' }, 'create_new'],
        [{ visitor_identifier: id, visitor_attributes: { a: 1 }, extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await post('/visitor-attributes', body);
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect({ field, fields: Object.keys(res.body.details ?? {}) }).toEqual({ field, fields: expect.arrayContaining([field]) });
      }
      expect((await post('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { a: 1 } }, ws.publishableKey)).status).toBe(403);
    });
  });

  describe('POST /visitors/:visitor/tags', () => {
    it('adds and removes tags, applied in the order sent', async () => {
      const { id } = await trackedVisitor();
      accepted(await post<Queued>(`/visitors/${id}/tags`, { add: ['vip', 'beta'] }), id);
      await waitForVisitor(id, (v) => v.tags.length === 2);
      expect((await visitorRepository.findById(id))?.tags.sort()).toEqual(['beta', 'vip']);

      // Three quick writes: their order decides the result.
      accepted(await post<Queued>(`/visitors/${id}/tags`, { add: ['enterprise'], remove: ['beta'] }), id);
      accepted(await post<Queued>(`/visitors/${id}/tags`, { remove: ['vip', 'not-there'] }), id);
      const last = accepted(await post<Queued>(`/visitors/${id}/tags`, { add: ['vip', 'vip', 'renewal'] }), id);
      const v = await waitForVisitor(id, (d) => d.recentEventIds.includes(last), 'the last tag write');
      expect([...v.tags].sort()).toEqual(['enterprise', 'renewal', 'vip']);
    });

    it('answers 404 for an unknown visitor and 400 for an empty or malformed change', async () => {
      expect((await post('/visitors/vis_000000000000000000000000/tags', { add: ['x'] })).status).toBe(404);
      const { id } = await trackedVisitor();
      for (const body of [{}, { add: [], remove: [] }, { add: [''] }, { add: 'vip' }, { add: ['x'], colour: 'red' }]) {
        const res = await post(`/visitors/${id}/tags`, body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect(Object.keys(res.body.details ?? {}).length).toBeGreaterThan(0);
      }
      expect((await visitorRepository.findById(id))?.tags).toEqual([]);
      expect(await acceptedCountFor(id)).toBe(1); // the tracked page view only
    });
  });

  describe('POST /custom-activity/create', () => {
    it('adds a custom activity to the timeline, by id or email', async () => {
      const { id } = await trackedVisitor();
      const res = await post<Queued>('/custom-activity/create', { visitor_identifier: id, category: 'crm', label: 'sales_call', activity_identifier: 'call-17', metadata: { duration_min: 25, outcome: 'demo booked' } });
      const activityId = accepted(res, id);
      await waitForVisitor(id, (v) => v.activityCount === 2, 'the custom activity');
      const [entry] = customs(await timelineOf(id));
      expect(entry).toMatchObject({ id: activityId, type: 'custom_activity', category: 'crm', label: 'sales_call', activityIdentifier: 'call-17', metadata: { duration_min: 25, outcome: 'demo booked' } });
      expect(Math.abs(entry.at - Date.now())).toBeLessThan(60_000);
      const api = await stack.request('GET', `/api/v1/visitors/${id}/activities`, { key: ws.secretKey });
      expect(api.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ activity_type: 'custom_activity', id: activityId, category: 'crm', label: 'sales_call', activity_identifier: 'call-17' })]));

      const email = emailFor('act');
      accepted(await post<Queued>(`/visitors/${id}/identify`, { email }), id);
      await waitForVisitor(id, (v) => v.email === email);
      const byEmail = accepted(await post<Queued>('/custom-activity/create', { visitor_identifier: email, category: 'support', label: 'ticket_opened' }), id);
      await waitForVisitor(id, (v) => v.activityCount === 3);
      expect(customs(await timelineOf(id)).find((a) => a.id === byEmail)).toMatchObject({ category: 'support', label: 'ticket_opened', activityIdentifier: null, metadata: {} });
    });

    it('answers 404 for an unknown visitor and 400 for missing fields', async () => {
      expect((await post('/custom-activity/create', { visitor_identifier: 'ghost@nowhere.example', category: 'c', label: 'l' })).status).toBe(404);
      const { id } = await trackedVisitor();
      const missing = await post('/custom-activity/create', { visitor_identifier: id, label: 'l' });
      expect(missing.status).toBe(400);
      expect(missing.body.details).toHaveProperty('category');
      const badMeta = await post('/custom-activity/create', { visitor_identifier: id, category: 'c', label: 'l', metadata: 'text' });
      expect(badMeta.status).toBe(400);
      expect(badMeta.body.details).toHaveProperty('metadata');
    });
  });

  describe('POST /email-activity/create', () => {
    it('adds an email entry to the timeline, at the given time or now, by id or email', async () => {
      const { id } = await trackedVisitor();
      const openedAt = '2026-01-20T09:15:00.000Z';
      const opened = accepted(await post<Queued>('/email-activity/create', { visitor_identifier: id, subject: 'Your Free Trial is Expiring Soon', opened_at: openedAt }), id);
      const email = emailFor('mail');
      accepted(await post<Queued>(`/visitors/${id}/identify`, { email }), id);
      await waitForVisitor(id, (v) => v.email === email);
      const now = accepted(await post<Queued>('/email-activity/create', { visitor_identifier: email, subject: 'Welcome' }), id);
      await waitForVisitor(id, (v) => v.recentEventIds.includes(now), 'both email activities');
      const entries = (await timelineOf(id)).filter((a) => a.type === 'email');
      expect(entries).toEqual([
        { id: opened, type: 'email', at: Date.parse(openedAt), subject: 'Your Free Trial is Expiring Soon' },
        { id: now, type: 'email', at: expect.any(Number), subject: 'Welcome' },
      ]);
      expect(Math.abs(entries[1].at - Date.now())).toBeLessThan(60_000);
      const api = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(email)}/activities`, { key: ws.secretKey });
      expect(api.body.data).toEqual(expect.arrayContaining([{ activity_type: 'email', id: opened, subject: 'Your Free Trial is Expiring Soon', created_on: openedAt }]));
    });

    it('answers 404 for an unknown visitor and 400 naming a missing subject or a bad time', async () => {
      expect((await post('/email-activity/create', { visitor_identifier: 'ghost@nowhere.example', subject: 's' })).status).toBe(404);
      const { id } = await trackedVisitor();
      const missing = await post('/email-activity/create', { visitor_identifier: id, subject: '  ' });
      expect(missing.status).toBe(400);
      expect(missing.body.details).toHaveProperty('subject');
      const future = await post('/email-activity/create', { visitor_identifier: id, subject: 's', opened_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect(future.status).toBe(400);
      expect(future.body.details).toHaveProperty('opened_at');
      const notADate = await post('/email-activity/create', { visitor_identifier: id, subject: 's', opened_at: 'yesterday' });
      expect(notADate.body.details).toHaveProperty('opened_at');
    });
  });

  it('attribute labels and activity metadata keys with a dot or a leading $ are never a 500', async () => {
    // FerretDB refuses such field names; the API must store them some other way or refuse them with a 400.
    const { id } = await trackedVisitor();
    const statuses = {
      dottedLabel: (await post('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { 'plan.tier': 'gold' } })).status,
      dollarLabel: (await post('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { $plan: 'gold' } })).status,
      dottedMetadata: (await post('/custom-activity/create', { visitor_identifier: id, category: 'crm', label: 'call', metadata: { 'call.outcome': 'won' } })).status,
    };
    expect(Object.entries(statuses).filter(([, status]) => status !== 202 && status !== 400)).toEqual([]);
    // Whatever was accepted did not stall the visitor's pipeline: a later write is applied.
    const marker = accepted(await post<Queued>(`/visitors/${id}/tags`, { add: ['after-odd-keys'] }), id);
    const v = await waitForVisitor(id, (d) => d.recentEventIds.includes(marker), 'a write after the odd keys', 15_000);
    expect(v.tags).toContain('after-odd-keys');
  });

  it('applies API writes in order with the visitor’s tracked events', async () => {
    const { fp, id } = await trackedVisitor();
    const email = emailFor('order');
    // identify → page view (now an identified page visit) → attribute → tag, sent back to back.
    accepted(await post<Queued>(`/visitors/${id}/identify`, { email }), id);
    const visit = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, 'https://writes.example/after-identify'));
    accepted(await post<Queued>('/visitor-attributes', { visitor_identifier: id, visitor_attributes: { stage: 'trial' } }), id);
    const lastWrite = accepted(await post<Queued>(`/visitors/${id}/tags`, { add: ['ordered'] }), id);
    const v = await waitForVisitor(id, (d) => d.recentEventIds.includes(lastWrite), 'every write');
    expect(v).toMatchObject({ email, attributes: { stage: 'trial' }, tags: ['ordered'], summary: { pageVisits: 2 } });
    // The page view came after the identify, so it is a person.page_visit.
    expect((await emittedEvents(ws.id, 'person.page_visit')).map((e) => e.data.url)).toContain('https://writes.example/after-identify');
    expect(v.recentEventIds.indexOf(visit)).toBeGreaterThan(-1);
  });
});
