import { CompanyModel, type CompanyDoc } from '../../core/companies/company.model';
import type { OrderDoc } from '../../core/orders/order.model';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { activityBucketRepository } from '../../core/visitors/activity-bucket.repository';
import { companyRepository } from '../../core/companies/company.repository';
import { orderRepository } from '../../core/orders/order.repository';
import { visitorIdentityRepository } from '../../core/visitors/visitor-identity.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { newVisitor } from '../../core/visitors/new-visitor';
import { emptySummary } from '../../core/visitors/sessions';
import { companyIdFor, orderIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import type { Activity, Touch } from '../../core/visitors/visitor-types';
import { startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

/**
 * The read side of the visitor model against the real API and database. Documents are seeded
 * through the repositories, exactly as the visitor pipeline stores them.
 */
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (offsetMs: number) => new Date(T0 + offsetMs);
const isoAt = (offsetMs: number) => at(offsetMs).toISOString();

interface Page<T = any> {
  data: T[];
  nextBefore: string | null;
}


function visitorDoc(ws: TestWorkspace, name: string, over: Partial<VisitorDoc> = {}): VisitorDoc {
  return { ...newVisitor(ws.id, visitorIdFor(ws.id, `fp:${name}`), `fp:${name}`, at(0)), firstSeenAt: at(0), lastSeenAt: at(0), ...over };
}

/** Appends the entries in the given order (not time order) and records the count on the visitor. */
async function seedVisitor(doc: VisitorDoc, activities: Activity[] = []): Promise<VisitorDoc> {
  for (const [seq, activity] of activities.entries()) await activityBucketRepository.append(doc.workspaceId, doc._id, seq, activity);
  const saved = { ...doc, activityCount: activities.length };
  await visitorRepository.save(saved);
  return saved;
}

const link = (id: string, offsetMs: number, over: Partial<Extract<Activity, { type: 'links' }>> = {}): Activity => ({
  id,
  type: 'links',
  at: T0 + offsetMs,
  title: `Page ${id}`,
  url: `https://shop.example.com/${id}`,
  path: `/${id}`,
  referrer: null,
  utm: {},
  form: false,
  sessionId: null,
  ...over,
});
const custom = (id: string, offsetMs: number): Activity => ({ id, type: 'custom_activity', at: T0 + offsetMs, category: 'product', label: 'demo_watched', activityIdentifier: null, metadata: { seconds: 30 } });

const googleTouch: Touch = {
  source: 'google',
  medium: 'cpc',
  campaign: 'spring',
  utm: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
  referrer: 'https://www.google.com/',
  landingPage: 'https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=abc',
  clickIds: { gclid: 'abc' },
  touchedAt: T0,
};
const directTouch: Touch = { source: 'direct', medium: null, campaign: null, utm: {}, referrer: null, landingPage: 'https://shop.example.com/pricing', clickIds: {}, touchedAt: T0 + 2 * HOUR };

describe('visitors, companies and orders read API (real API and database)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
  });
  afterAll(() => stack.close());

  const workspace = (name: string) => stack.createWorkspace(name, { rateLimits: { perMinute: 10_000, perDay: 100_000 } });
  const get = <T = any>(ws: TestWorkspace, path: string, key = ws.secretKey): Promise<ApiResponse<T>> => stack.request<T>('GET', `/api/v1${path}`, { key });
  const ids = (res: ApiResponse<Page>) => res.body.data.map((item: { id: string }) => item.id);

  /** Follows nextBefore to the end; returns every id seen, in order, and checks the cursor format. */
  async function pageThrough(ws: TestWorkspace, path: string, limit: number, between?: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 100; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const res: ApiResponse<Page> = await get(ws, `${path}${sep}limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(limit);
      seen.push(...ids(res));
      before = res.body.nextBefore;
      if (before === null) return seen;
      expect(before).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z~[A-Za-z0-9_]+$/);
      await between?.();
    }
    throw new Error('pagination did not end');
  }

  function expectValidationError(res: ApiResponse, ...fields: string[]) {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    for (const field of fields) expect(res.body.details?.[field]).toEqual([expect.any(String)]);
  }

  /** A person (identified by email, with a device merged into it) and its timelines. */
  async function seedPerson(ws: TestWorkspace) {
    const person = visitorDoc(ws, 'ada-laptop', {
      key: 'email:ada@example.com',
      email: 'ada@example.com',
      customerId: 'cus_42',
      identifiedAt: at(2 * MIN),
      leadId: 'lead_ada',
      person: { name: 'Ada Lovelace', first_name: 'Ada', title: 'Engineer' },
      company: { domain: 'analytical.example', name: 'Analytical Engines' },
      acquisition: {
        source: 'google',
        medium: 'cpc',
        campaign: 'spring',
        landingPage: googleTouch.landingPage,
        landingIp: '203.0.113.7',
        landingLocation: { city: 'London', region: 'England', region_code: 'ENG', country: 'United Kingdom', country_code: 'GB', continent: 'Europe', continent_code: 'EU', emoji_flag: '🇬🇧', emoji_unicode: 'U+1F1EC U+1F1E7' },
        landingUserAgent: { browser: 'Firefox 124.0', device: 'Desktop', device_os: 'Linux' },
        acquiredAt: T0,
      },
      firstTouch: googleTouch,
      lastTouch: directTouch,
      clickIds: { gclid: 'abc' },
      attributes: { plan_interest: 'enterprise', seats: 40, trial: true },
      tags: ['high_intent'],
      segments: ['Enterprise Leads'],
      summary: {
        pageVisits: 9,
        sessions: [
          { start: T0, end: T0 + 10 * MIN, pageVisits: 5 },
          { start: T0 + 2 * HOUR, end: T0 + 2 * HOUR + 5 * MIN, pageVisits: 2 },
        ],
        olderSessions: { count: 1, pageVisits: 2, timeSpentMs: MIN },
        firstSeen: T0 - 24 * HOUR,
        lastSeen: T0 + 2 * HOUR + 5 * MIN,
      },
      firstSeenAt: at(-24 * HOUR),
      lastSeenAt: at(2 * HOUR + 5 * MIN),
    });
    const phone = visitorDoc(ws, 'ada-phone', { mergedInto: person._id, lastSeenAt: at(90 * MIN) });
    person.mergedVisitorIds = [phone._id];
    await visitorIdentityRepository.claim(ws.id, 'email', 'ada@example.com', person._id);
    // Inserted out of time order: the API sorts by time, not by arrival.
    const personTimeline: Activity[] = [
      link('act_p1', 0, { title: 'Home', referrer: 'https://www.google.com/', utm: { utm_source: 'google', utm_medium: 'cpc' } }),
      link('act_p2', 2 * MIN, { form: true, title: 'Contact' }),
      link('act_p6', 70 * MIN),
      custom('act_p3', 3 * MIN),
      custom('act_p7', 3 * MIN), // same time as act_p3: the id breaks the tie
      { id: 'act_p4', type: 'email', at: T0 + 4 * MIN, subject: 'Welcome aboard' },
      link('act_p5', 50 * MIN),
    ];
    // 52 entries: the phone's timeline spans two buckets (50 per bucket).
    const fillers = Array.from({ length: 50 }, (_, i) => custom(`act_f${String(i).padStart(2, '0')}`, -24 * HOUR + i * 1000));
    const phoneTimeline: Activity[] = [...fillers, link('act_d1', MIN), link('act_d2', MIN + 30_000)];
    const stranger = visitorDoc(ws, 'stranger', { lastSeenAt: at(3 * HOUR) });
    await Promise.all([seedVisitor(person, personTimeline), seedVisitor(phone, phoneTimeline), seedVisitor(stranger, [link('act_s1', 5 * MIN)])]);
    const expectedOrder = ['act_p6', 'act_p5', 'act_p4', 'act_p7', 'act_p3', 'act_p2', 'act_d2', 'act_d1', 'act_p1', ...fillers.map((f) => f.id).reverse()];
    return { person, phone, stranger, expectedOrder };
  }

  describe('GET /visitors/:visitor', () => {
    it('shows the Salespanel visitor object by id, by email (any case) and through a merged device', async () => {
      const ws = await workspace('Visitor get');
      const { person, phone } = await seedPerson(ws);

      const byId = await get(ws, `/visitors/${person._id}`);
      expect(byId.status).toBe(200);
      expect(byId.body).toEqual({
        id: person._id,
        contact_id: person._id,
        email: 'ada@example.com',
        customer_id: 'cus_42',
        person_details: { name: 'Ada Lovelace', first_name: 'Ada', title: 'Engineer', email: 'ada@example.com' },
        company_details: { name: 'Analytical Engines', domain: 'analytical.example' },
        acquisition_details: {
          source: 'google',
          medium: 'cpc',
          campaign: 'spring',
          landing_page: googleTouch.landingPage,
          landing_ip_address: '203.0.113.7',
          landing_location: expect.objectContaining({ city: 'London', country_code: 'GB', emoji_flag: '🇬🇧' }),
          landing_user_agent: { browser: 'Firefox 124.0', device: 'Desktop', device_os: 'Linux' },
        },
        visitor_attributes: { plan_interest: 'enterprise', seats: 40, trial: true },
        visitor_tags: ['high_intent'],
        qualified_segments: ['Enterprise Leads'],
        // 2 kept sessions + 1 folded one; 10 min + 5 min + 1 min.
        web_activity_summary: { total_page_visits: 9, total_website_sessions: 3, total_time_spent: 960, first_seen: isoAt(-24 * HOUR), last_seen: isoAt(2 * HOUR + 5 * MIN) },
        identified_at: isoAt(2 * MIN),
        lead_id: 'lead_ada',
        lead_scoring: null, // seeded without a person pipeline: not scored
        merged_visitor_ids: [phone._id],
        created_at: isoAt(0),
      });

      for (const identifier of ['ada@example.com', 'ADA@Example.COM', phone._id]) {
        const res = await get(ws, `/visitors/${encodeURIComponent(identifier)}`);
        expect({ identifier, status: res.status, body: res.body }).toEqual({ identifier, status: 200, body: byId.body });
      }
    });

    it('answers 404 for an unknown id or email, and shows an anonymous visitor with null blocks', async () => {
      const ws = await workspace('Visitor 404');
      const anon = await seedVisitor(visitorDoc(ws, 'anon', { summary: { ...emptySummary(), pageVisits: 1, sessions: [{ start: T0, end: T0, pageVisits: 1 }], firstSeen: T0, lastSeen: T0 } }));
      for (const identifier of ['vis_doesnotexist', 'nobody@example.com']) {
        const res = await get(ws, `/visitors/${encodeURIComponent(identifier)}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: 'Visitor not found', code: 'not_found' });
      }
      const res = await get(ws, `/visitors/${anon._id}`);
      expect(res.body).toMatchObject({
        email: null,
        customer_id: null,
        person_details: { email: null },
        company_details: null,
        acquisition_details: null,
        identified_at: null,
        lead_id: null,
        web_activity_summary: { total_page_visits: 1, total_website_sessions: 1, total_time_spent: 0, first_seen: isoAt(0), last_seen: isoAt(0) },
      });
    });
  });

  describe('GET /visitors/:visitor/activities', () => {
    it('lists the person and merged devices newest first, with page_duration per device, and pages without gaps', async () => {
      const ws = await workspace('Activities');
      const { person, phone, expectedOrder } = await seedPerson(ws);

      const first = await get(ws, `/visitors/${person._id}/activities?limit=9`);
      expect(first.status).toBe(200);
      expect(ids(first)).toEqual(expectedOrder.slice(0, 9));
      const byId = Object.fromEntries(first.body.data.map((a: { id: string }) => [a.id, a]));
      expect(byId.act_p1).toEqual({
        activity_type: 'links',
        id: 'act_p1',
        page_title: 'Home',
        link: 'https://shop.example.com/act_p1',
        form: false,
        created_on: isoAt(0),
        page_duration: 120, // the laptop's next page view, 2 min later (the phone's in between does not count)
        referrer_link: 'https://www.google.com/',
        utm_params: { utm_source: 'google', utm_medium: 'cpc' },
      });
      expect(byId.act_p2).toMatchObject({ form: true, page_duration: null }); // next page 48 min later: session over
      expect(byId.act_p5.page_duration).toBe(1200);
      expect(byId.act_p6.page_duration).toBeNull(); // no later page yet
      expect(byId.act_d1.page_duration).toBe(30);
      expect(byId.act_d2.page_duration).toBeNull();
      expect(byId.act_p3).toEqual({ activity_type: 'custom_activity', id: 'act_p3', category: 'product', label: 'demo_watched', activity_identifier: null, metadata: { seconds: 30 }, created_on: isoAt(3 * MIN) });
      expect(byId.act_p4).toEqual({ activity_type: 'email', id: 'act_p4', subject: 'Welcome aboard', created_on: isoAt(4 * MIN) });
      expect(first.body.nextBefore).toBe(`${isoAt(0)}~act_p1`);

      // All 59 entries (two buckets of the phone included), each once, in order, whatever the page size
      // (4 ends a page between the two entries sharing a time).
      expect(expectedOrder).toHaveLength(59);
      for (const limit of [1, 4, 7]) expect(await pageThrough(ws, `/visitors/${person._id}/activities`, limit)).toEqual(expectedOrder);
      expect(await pageThrough(ws, `/visitors/${person._id}/activities`, 100)).toEqual(expectedOrder);
      // Same person by email or by the merged device; `since` keeps the recent entries.
      expect(ids(await get(ws, `/visitors/ada%40example.com/activities?limit=100`))).toEqual(expectedOrder);
      expect(ids(await get(ws, `/visitors/${phone._id}/activities?since=${encodeURIComponent(isoAt(0))}`))).toEqual(expectedOrder.slice(0, 9));
    });

    it('answers 404 for an unknown visitor and 400 for a bad cursor or since', async () => {
      const ws = await workspace('Activities 400');
      const { person } = await seedPerson(ws);
      expect((await get(ws, '/visitors/vis_nope/activities')).body).toEqual({ error: 'Visitor not found', code: 'not_found' });
      expectValidationError(await get(ws, `/visitors/${person._id}/activities?before=not-a-cursor`), 'query.before');
      expectValidationError(await get(ws, `/visitors/${person._id}/activities?since=yesterday&limit=101`), 'query.since', 'query.limit');
    });
  });

  describe('attribution', () => {
    it('adds first- and last-touch attribution on both paths', async () => {
      const ws = await workspace('Attribution');
      const { person } = await seedPerson(ws);
      const plain = await get(ws, `/visitors/${person._id}`);
      const res = await get(ws, `/visitors/${person._id}/attribution`);
      expect(res.status).toBe(200);
      const { attribution_details: details, ...visitor } = res.body;
      expect(visitor).toEqual(plain.body);
      expect(details).toEqual({
        landing_page: googleTouch.landingPage,
        landing_page_source: 'google',
        landing_page_medium: 'cpc',
        first_touch_utm_parameters: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
        last_touch_source: 'direct',
        last_touch_medium: null,
        last_touch_utm_parameters: null,
        first_touch: {
          source: 'google',
          medium: 'cpc',
          campaign: 'spring',
          utm_source: 'google',
          utm_medium: 'cpc',
          utm_campaign: 'spring',
          utm_term: null,
          utm_content: null,
          referrer: 'https://www.google.com/',
          landing_page: googleTouch.landingPage,
          touched_at: isoAt(0),
        },
        last_touch: expect.objectContaining({ source: 'direct', utm_source: null, referrer: null, landing_page: 'https://shop.example.com/pricing', touched_at: isoAt(2 * HOUR) }),
        click_ids: { gclid: 'abc' },
      });
      // Salespanel's path, by email.
      const alias = await get(ws, '/visitors/attribution/ada@example.com');
      expect(alias.status).toBe(200);
      expect(alias.body).toEqual(res.body);
      expect((await get(ws, '/visitors/attribution/nobody@example.com')).status).toBe(404);
    });
  });

  describe('GET /visitors', () => {
    async function seedList(ws: TestWorkspace) {
      const [a, b, c, e] = await Promise.all([
        seedVisitor(visitorDoc(ws, 'a', { firstSeenAt: at(0), lastSeenAt: at(5 * HOUR) })),
        seedVisitor(visitorDoc(ws, 'b', { firstSeenAt: at(HOUR), lastSeenAt: at(2 * HOUR) })),
        seedVisitor(visitorDoc(ws, 'c', { firstSeenAt: at(2 * HOUR), lastSeenAt: at(6 * HOUR) })),
        seedVisitor(visitorDoc(ws, 'e', { firstSeenAt: at(-HOUR), lastSeenAt: at(5 * HOUR) })), // ties with a
      ]);
      await Promise.all([
        seedVisitor(visitorDoc(ws, 'merged', { mergedInto: c._id, lastSeenAt: at(7 * HOUR) })),
        seedVisitor(visitorDoc(ws, 'never-seen', { firstSeenAt: null, lastSeenAt: null })),
      ]);
      const [tieFirst, tieSecond] = [a._id, e._id].sort().reverse(); // same lastSeenAt: _id descending
      return { a, b, c, e, byLastSeen: [c._id, tieFirst, tieSecond, b._id], byFirstSeen: [c._id, b._id, a._id, e._id] };
    }

    it('lists people most recently active first, or by first activity, leaving out merged and never-seen visitors', async () => {
      const ws = await workspace('Visitor list');
      const { byLastSeen, byFirstSeen, c, b } = await seedList(ws);

      const all = await get<Page>(ws, '/visitors');
      expect(all.status).toBe(200);
      expect(ids(all)).toEqual(byLastSeen);
      expect(all.body.nextBefore).toBeNull();
      // No page visits summarised yet: first/last seen fall back to the visitor's own times.
      expect(all.body.data[0]).toMatchObject({ id: c._id, contact_id: c._id, web_activity_summary: { total_page_visits: 0, first_seen: isoAt(2 * HOUR), last_seen: isoAt(6 * HOUR) } });
      expect(ids(await get(ws, '/visitors?select_by_first_activity=false'))).toEqual(byLastSeen);
      expect(ids(await get(ws, '/visitors?select_by_first_activity=true'))).toEqual(byFirstSeen);

      expect(ids(await get(ws, `/visitors?since=${encodeURIComponent(isoAt(3 * HOUR))}`))).toEqual(byLastSeen.slice(0, 3));
      expect(ids(await get(ws, `/visitors?select_by_first_activity=true&since=${encodeURIComponent(isoAt(HOUR))}`))).toEqual([c._id, b._id]);

      // Page size 1 crosses the lastSeenAt tie: the `~id` part of the cursor keeps both.
      expect(await pageThrough(ws, '/visitors', 1)).toEqual(byLastSeen);
      expect(await pageThrough(ws, '/visitors?select_by_first_activity=true', 3)).toEqual(byFirstSeen);
      const firstPage = await get<Page>(ws, '/visitors?limit=2');
      expect(firstPage.body.nextBefore).toBe(`${isoAt(5 * HOUR)}~${byLastSeen[1]}`);
    });

    it('rejects bad list queries with field details', async () => {
      const ws = await workspace('Visitor list 400');
      expectValidationError(await get(ws, '/visitors?select_by_first_activity=yes'), 'query.select_by_first_activity');
      expectValidationError(await get(ws, '/visitors?limit=0&before=2026-13-45'), 'query.limit', 'query.before');
      expectValidationError(await get(ws, '/visitors?limit=abc'), 'query.limit');
    });
  });

  describe('GET /companies', () => {
    it('counts visits and visitors per company and lists them by last or first activity', async () => {
      const ws = await workspace('Companies');
      const visit = (domain: string, visitorId: string, offsetMs: number, pageVisit = true, name: string | null = null) =>
        companyRepository.recordVisit({ workspaceId: ws.id, domain, name, visitorId, at: at(offsetMs), pageVisit });
      await visit('acme.example', 'vis_1', 0);
      await visit('acme.example', 'vis_2', HOUR, true, 'Acme');
      await visit('acme.example', 'vis_1', 30 * MIN, false, 'Acme Corporation'); // identify: no page visit, name kept
      await visit('globex.example', 'vis_3', -24 * HOUR);
      await visit('globex.example', 'vis_3', 2 * HOUR);

      const res = await get<Page>(ws, '/companies');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: [
          { id: companyIdFor(ws.id, 'globex.example'), domain: 'globex.example', name: null, page_visits: 2, visitor_count: 1, first_seen: isoAt(-24 * HOUR), last_seen: isoAt(2 * HOUR), qualified_segments: [] },
          { id: companyIdFor(ws.id, 'acme.example'), domain: 'acme.example', name: 'Acme', page_visits: 2, visitor_count: 2, first_seen: isoAt(0), last_seen: isoAt(HOUR), qualified_segments: [] },
        ],
        nextBefore: null,
      });
      const [globex, acme] = ids(res);
      expect(ids(await get(ws, '/companies?select_by_first_activity=true'))).toEqual([acme, globex]);
      expect(ids(await get(ws, `/companies?since=${encodeURIComponent(isoAt(90 * MIN))}`))).toEqual([globex]);
      expect(ids(await get(ws, `/companies?select_by_first_activity=true&since=${encodeURIComponent(isoAt(-HOUR))}`))).toEqual([acme]);
      expect(await pageThrough(ws, '/companies', 1)).toEqual([globex, acme]);
      expectValidationError(await get(ws, '/companies?select_by_first_activity=1'), 'query.select_by_first_activity');
    });

    it('keeps at most 100 visitor ids while the visitor count keeps counting', async () => {
      const ws = await workspace('Company cap');
      for (let i = 0; i < 102; i++) await companyRepository.recordVisit({ workspaceId: ws.id, domain: 'big.example', name: 'Big', visitorId: `vis_${i}`, at: at(i * 1000), pageVisit: true });
      await companyRepository.recordVisit({ workspaceId: ws.id, domain: 'big.example', name: 'Big', visitorId: 'vis_101', at: at(0), pageVisit: true }); // a known visitor again
      const stored = await CompanyModel.findById(companyIdFor(ws.id, 'big.example')).lean<CompanyDoc>();
      expect(stored?.visitorIds).toHaveLength(100);
      expect(stored?.visitorIds.at(-1)).toBe('vis_101');
      expect(stored).toMatchObject({ visitorCount: 102, pageVisits: 103 });
      expect((await get(ws, '/companies')).body.data[0]).toMatchObject({ visitor_count: 102, page_visits: 103, last_seen: isoAt(101_000) });
    });
  });

  describe('orders', () => {
    const orderDoc = (ws: TestWorkspace, shopId: string, createdAt: Date, over: Partial<OrderDoc> = {}): OrderDoc => ({
      _id: orderIdFor(ws.id, shopId),
      workspaceId: ws.id,
      orderId: shopId,
      visitorId: 'vis_buyer',
      leadId: null,
      amount: 129.99,
      currency: 'EUR',
      eventType: 'purchase',
      metadata: {},
      firstTouch: null,
      lastTouch: null,
      orderedAt: createdAt,
      createdAt,
      ...over,
    });

    it('shows an order with its touches; a buyer never seen on the site reads as direct', async () => {
      const ws = await workspace('Order get');
      const order = orderDoc(ws, 'SHOP-1', at(0), { leadId: 'lead_x', firstTouch: googleTouch, lastTouch: null, metadata: { coupon: 'SPRING' } });
      expect(await orderRepository.insertIfAbsent(order)).toBe(true);
      expect(await orderRepository.insertIfAbsent({ ...order, amount: 1 })).toBe(false); // same shop order: kept once

      const res = await get(ws, `/orders/${order._id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: order._id,
        order_id: 'SHOP-1',
        visitor_id: 'vis_buyer',
        lead_id: 'lead_x',
        amount: 129.99,
        currency: 'EUR',
        event_type: 'purchase',
        metadata: { coupon: 'SPRING' },
        first_touch: expect.objectContaining({ source: 'google', utm_campaign: 'spring', touched_at: isoAt(0) }),
        last_touch: { source: 'direct', medium: null, campaign: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null, utm_content: null, referrer: null, landing_page: null, touched_at: null },
        ordered_at: isoAt(0),
        created_at: isoAt(0),
      });
      expect((await get(ws, '/orders/ord_unknown')).body).toEqual({ error: 'Order not found', code: 'not_found' });
    });

    it('pages newest first without duplicates or gaps while new orders arrive', async () => {
      const ws = await workspace('Order paging');
      const now = Date.now();
      const seeded: OrderDoc[] = [];
      // Two share a createdAt: the cursor's id part must keep both.
      for (const [i, offset] of [50_000, 40_000, 30_000, 30_000, 20_000].entries()) seeded.push(orderDoc(ws, `OLD-${i}`, new Date(now - offset)));
      for (const o of seeded) await orderRepository.insertIfAbsent(o);
      const expected = [...seeded].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y._id > x._id ? 1 : -1)).map((o) => o._id);

      let n = 0;
      const arrive = async () => {
        await orderRepository.insertIfAbsent(orderDoc(ws, `NEW-${n++}`, new Date()));
      };
      expect(await pageThrough(ws, '/orders', 2, arrive)).toEqual(expected);
      const all = await get<Page>(ws, '/orders?limit=100');
      expect(all.body.data).toHaveLength(5 + n);
      expect(ids(await get(ws, `/orders?since=${encodeURIComponent(new Date(now - 30_000).toISOString())}`))).toEqual([...ids(all).slice(0, n), ...expected.slice(0, 3)]);
      expectValidationError(await get(ws, '/orders?limit=500'), 'query.limit');
    });
  });

  describe('tenant isolation and keys', () => {
    it("never shows another workspace's visitors, activities, companies or orders", async () => {
      const a = await workspace('Tenant A');
      const b = await workspace('Tenant B');
      const { person, phone } = await seedPerson(a);
      await companyRepository.recordVisit({ workspaceId: a.id, domain: 'acme.example', name: 'Acme', visitorId: person._id, at: at(0), pageVisit: true });
      const order = { _id: orderIdFor(a.id, 'A-1'), workspaceId: a.id, orderId: 'A-1', visitorId: person._id, leadId: null, amount: 5, currency: 'USD', eventType: null, metadata: {}, firstTouch: null, lastTouch: null, orderedAt: at(0), createdAt: at(0) };
      await orderRepository.insertIfAbsent(order);
      const own = await seedVisitor(visitorDoc(b, 'b-only'));

      for (const path of [
        `/visitors/${person._id}`,
        `/visitors/${phone._id}`,
        '/visitors/ada@example.com',
        `/visitors/${person._id}/activities`,
        '/visitors/ada@example.com/activities',
        `/visitors/${person._id}/attribution`,
        `/visitors/attribution/${person._id}`,
      ]) {
        const res = await get(b, path);
        expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 404, body: { error: 'Visitor not found', code: 'not_found' } });
      }
      expect((await get(b, `/orders/${order._id}`)).body).toEqual({ error: 'Order not found', code: 'not_found' });
      expect(ids(await get(b, '/visitors?limit=100'))).toEqual([own._id]);
      expect(ids(await get(b, '/visitors?limit=100&select_by_first_activity=true'))).toEqual([own._id]);
      expect(ids(await get(b, '/orders'))).toEqual([]);
      expect(ids(await get(b, '/companies'))).toEqual([]);
      // The owner still sees them.
      expect((await get(a, `/orders/${order._id}`)).status).toBe(200);
      expect(ids(await get(a, '/companies'))).toEqual([companyIdFor(a.id, 'acme.example')]);
    });

    it("needs a secret key with the 'read' scope", async () => {
      const ws = await workspace('Keys');
      const { person } = await seedPerson(ws);
      const keyWith = async (scopes: string[]) => (await stack.admin('POST', `/workspaces/${ws.id}/keys`, { kind: 'secret', scopes })).body.key as string;
      const [readKey, writeKey] = [await keyWith(['read']), await keyWith(['write'])];
      const paths = ['/visitors', `/visitors/${person._id}`, `/visitors/${person._id}/activities`, `/visitors/${person._id}/attribution`, `/visitors/attribution/${person._id}`, '/orders', '/orders/ord_x', '/companies'];
      for (const path of paths) {
        const outcomes = {
          publishable: (await get(ws, path, ws.publishableKey)).status,
          writeOnly: (await get(ws, path, writeKey)).status,
          anonymous: (await stack.request('GET', `/api/v1${path}`)).status,
          read: (await get(ws, path, readKey)).status,
        };
        expect({ path, ...outcomes }).toEqual({ path, publishable: 403, writeOnly: 403, anonymous: 401, read: path === '/orders/ord_x' ? 404 : 200 });
      }
    });
  });
});
