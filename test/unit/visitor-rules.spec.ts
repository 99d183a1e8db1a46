import { decide, RECENT_EVENT_IDS } from '../../core/visitors/rules/decide';
import { emptyFacts, initialState, type Effect, type EmitEffect } from '../../core/visitors/rules/effects';
import { touchView } from '../../core/visitors/touch-view';
import { companyIdFor, emittedEventIdFor, identityIdFor, leadIdFor, orderIdFor } from '../../core/visitors/visitor-ids';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import type { GeoLocation } from '../../core/visitors/visitor-types';
import { event, identify, kinds, MIN, NOW, pageview, T0, visitor, World, WS } from './visitor-rules-world';

const emits = (effects: Effect[]) => effects.filter((e): e is EmitEffect => e.kind === 'emit');
const emitted = (effects: Effect[], type: string) => emits(effects).find((e) => e.type === type);

const identified = (id = 'vis_p', over: Partial<VisitorDoc> = {}) =>
  visitor(id, { email: 'jo@techcorp.com', identifiedAt: new Date(T0), leadId: leadIdFor(id), person: { name: 'Jo Doe' }, company: { domain: 'techcorp.com', name: 'TechCorp' }, ...over });

const BERLIN: GeoLocation = { city: 'Berlin', region: null, region_code: 'BE', country: 'Germany', country_code: 'DE', continent: 'Europe', continent_code: 'EU', emoji_flag: null, emoji_unicode: null };

describe('visitor rules: page views', () => {
  it('counts the visit, sets touches and acquisition, and appends a links entry; an anonymous visitor emits nothing', () => {
    const world = new World();
    const e = pageview('https://shop.example/pricing?utm_source=newsletter&utm_medium=email&gclid=abc', { context: { ip: '81.2.69.160', userAgent: null } }, { title: 'Pricing', referrer: 'https://www.google.com/', session_id: 's1' });
    world.locations.set('81.2.69.160', BERLIN);
    const { state, effects } = world.run(visitor(), [e]);
    expect(world.asked).toEqual([{ kind: 'location', ip: '81.2.69.160' }]);
    expect(state.visitor.summary.pageVisits).toBe(1);
    expect(state.visitor.summary.sessions).toEqual([{ start: e.timestamp, end: e.timestamp, pageVisits: 1 }]);
    expect(state.visitor.firstTouch).toMatchObject({ source: 'newsletter', medium: 'email' });
    expect(state.visitor.clickIds).toEqual({ gclid: 'abc' });
    expect(state.visitor.acquisition).toMatchObject({ source: 'newsletter', landingPage: e.data.url, landingIp: '81.2.69.160', landingLocation: BERLIN, acquiredAt: e.timestamp });
    expect(state.visitor).toMatchObject({ activityCount: 1, recentEventIds: [e.id], firstSeenAt: new Date(e.timestamp), lastSeenAt: new Date(e.timestamp) });
    expect(effects).toEqual([
      {
        kind: 'appendTimeline',
        workspaceId: WS,
        visitorId: 'vis_a',
        seq: 0,
        activity: { id: e.id, type: 'links', at: e.timestamp, title: 'Pricing', url: e.data.url, path: '/pricing', referrer: 'https://www.google.com/', utm: { utm_source: 'newsletter', utm_medium: 'email' }, form: false, sessionId: 's1' },
      },
    ]);
  });

  it('asks for no location without an IP, and none once acquisition is known from an earlier visit', () => {
    const world = new World();
    const first = pageview('https://shop.example/a');
    const later = pageview('https://shop.example/b', { context: { ip: '81.2.69.160', userAgent: null } });
    const { state } = world.run(visitor(), [first, later]);
    expect(world.asked).toEqual([]);
    expect(state.visitor.acquisition).toMatchObject({ landingPage: 'https://shop.example/a', landingLocation: null });
  });

  it('emits person.page_visit and company.page_visit for an identified person, with ids from the event and the stored company name', () => {
    const world = new World();
    const company = companyIdFor(WS, 'techcorp.com');
    world.companies.set(company, { name: 'TechCorp Inc.' });
    const e = pageview('https://shop.example/docs?utm_campaign=x', {}, { referrer: 'not a url', title: 'Docs' });
    const { effects } = world.run(identified(), [e]);
    expect(world.asked).toEqual([{ kind: 'company', companyId: company }]);
    expect(kinds(effects)).toEqual(['appendTimeline', 'recordCompanyVisit', 'emit:person.page_visit', 'emit:company.page_visit']);
    expect(effects[1]).toEqual({ kind: 'recordCompanyVisit', workspaceId: WS, domain: 'techcorp.com', name: 'TechCorp', visitorId: 'vis_p', at: new Date(e.timestamp), pageVisit: true });
    const visit = emitted(effects, 'person.page_visit');
    expect(visit?.id).toBe(emittedEventIdFor(e.id, 'person.page_visit'));
    expect(visit?.data).toEqual({
      visitor_id: 'vis_p',
      contact_id: 'vis_p',
      email: 'jo@techcorp.com',
      url: 'https://shop.example/docs?utm_campaign=x',
      path: '/docs',
      title: 'Docs',
      referrer: null,
      utm_params: { utm_campaign: 'x' },
      visited_at: new Date(e.timestamp).toISOString(),
      company: { company_id: company, name: 'TechCorp Inc.', domain: 'techcorp.com' },
    });
    const companyVisit = emitted(effects, 'company.page_visit');
    expect(companyVisit?.id).toBe(emittedEventIdFor(e.id, 'company.page_visit'));
    expect(companyVisit?.data).toMatchObject({ company_id: company, name: 'TechCorp Inc.', domain: 'techcorp.com', website: 'https://techcorp.com', visitor_id: 'vis_p', path: '/docs' });
  });

  it('names a company the batch creates by its first non-null name, as the stored company will be', () => {
    const world = new World();
    const person = identified('vis_p', { company: null, email: 'jo@gmail.com' });
    const events = [identify({ company_domain: 'newco.io', company_name: 'NewCo' }), identify({ company_domain: 'newco.io' }), pageview('https://shop.example/')];
    const { state, effects } = world.run(person, events);
    expect(state.visitor.company).toEqual({ domain: 'newco.io', name: null });
    expect(effects.filter((e) => e.kind === 'recordCompanyVisit').map((e) => (e as { name: string | null }).name)).toEqual(['NewCo', null, null]);
    expect(emitted(effects, 'person.page_visit')?.data).toMatchObject({ company: { name: 'NewCo', domain: 'newco.io' } });
  });

  it('an identified person without a company emits person.page_visit only', () => {
    const world = new World();
    const { effects } = world.run(identified('vis_p', { company: null }), [pageview('https://shop.example/')]);
    expect(kinds(effects)).toEqual(['appendTimeline', 'emit:person.page_visit']);
    expect(emitted(effects, 'person.page_visit')?.data).toMatchObject({ company: null, path: '/' });
  });
});

describe('visitor rules: activities, attributes, tags', () => {
  it('appends events, custom and email activities to the timeline in order', () => {
    const world = new World();
    const events = [
      event('event', { event_name: 'signup_submit', url: 'https://shop.example/signup', event_data: { plan: 'pro' } }),
      event('custom_activity', { category: 'webinar', label: 'attended', activity_identifier: 'w-1' }),
      event('email_activity', { subject: 'Welcome' }),
    ];
    const { state, effects } = world.run(visitor(), events);
    expect(state.visitor.activityCount).toBe(3);
    expect(state.visitor.summary.pageVisits).toBe(0);
    expect(state.visitor.summary.lastSeen).toBe(events[2].timestamp);
    expect(effects).toEqual([
      { kind: 'appendTimeline', workspaceId: WS, visitorId: 'vis_a', seq: 0, activity: { id: events[0].id, type: 'custom_activity', at: events[0].timestamp, category: 'event', label: 'signup_submit', activityIdentifier: 'https://shop.example/signup', metadata: { plan: 'pro' } } },
      { kind: 'appendTimeline', workspaceId: WS, visitorId: 'vis_a', seq: 1, activity: { id: events[1].id, type: 'custom_activity', at: events[1].timestamp, category: 'webinar', label: 'attended', activityIdentifier: 'w-1', metadata: {} } },
      { kind: 'appendTimeline', workspaceId: WS, visitorId: 'vis_a', seq: 2, activity: { id: events[2].id, type: 'email', at: events[2].timestamp, subject: 'Welcome' } },
    ]);
  });

  it('sets attributes and tags on the document only', () => {
    const world = new World();
    const start = visitor('vis_a', { attributes: { plan: 'free', seats: 1 }, tags: ['trial', 'vip'] });
    const { state, effects } = world.run(start, [event('set_attributes', { attributes: { plan: 'pro', beta: true } }), event('set_tags', { add: ['customer', 'vip'], remove: ['trial'] })]);
    expect(effects).toEqual([]);
    expect(state.visitor.attributes).toEqual({ plan: 'pro', seats: 1, beta: true });
    expect(state.visitor.tags).toEqual(['vip', 'customer']);
  });

  it('rejects an event type it does not know with a TypeError (the pipeline parks it)', () => {
    const bad = event('pageview', {}, { type: 'from_the_future' as never });
    expect(() => decide(initialState(visitor()), bad, { now: NOW, facts: emptyFacts() })).toThrow(TypeError);
  });
});

describe('visitor rules: identify', () => {
  it('a first identify claims the identity, creates the lead and emits person.identified', () => {
    const world = new World();
    const e = identify({ email: 'ada@analytical.example', customer_id: 'cus_1', first_name: 'Ada', last_name: 'Lovelace', company_name: 'Analytical' });
    const { state, effects, merged } = world.run(visitor(), [e]);
    expect(merged).toBeNull();
    expect(world.asked.map((r) => r.kind)).toEqual(['claimIdentity', 'claimIdentity']);
    expect(world.identities.get(identityIdFor(WS, 'email', 'ada@analytical.example'))).toBe('vis_a');
    expect(state.visitor).toMatchObject({ email: 'ada@analytical.example', customerId: 'cus_1', leadId: leadIdFor('vis_a'), identifiedAt: new Date(e.timestamp), person: { name: 'Ada Lovelace', organization: 'Analytical' }, company: { domain: 'analytical.example', name: 'Analytical' } });
    expect(kinds(effects)).toEqual(['recordCompanyVisit', 'createLead', 'emit:person.identified']);
    expect(effects[1]).toMatchObject({ kind: 'createLead', lead: { _id: leadIdFor('vis_a'), email: 'ada@analytical.example', fullName: 'Ada Lovelace', status: 'new', createdAt: new Date(e.timestamp), updatedAt: NOW } });
    const identifiedEvent = emitted(effects, 'person.identified');
    expect(identifiedEvent?.id).toBe(emittedEventIdFor('vis_a:ada@analytical.example', 'person.identified'));
    expect(identifiedEvent?.data).toEqual({
      visitor_id: 'vis_a',
      contact_id: 'vis_a',
      email: 'ada@analytical.example',
      customer_id: 'cus_1',
      person_details: { name: 'Ada Lovelace', first_name: 'Ada', last_name: 'Lovelace', phone: null, job_title: null, organization: 'Analytical' },
      company_details: { company_id: companyIdFor(WS, 'analytical.example'), name: 'Analytical', domain: 'analytical.example' },
      identified_at: new Date(e.timestamp).toISOString(),
    });
  });

  it('an identify that changes nothing writes nothing; new contact details fill the lead', () => {
    const world = new World();
    const person = identified();
    expect(world.run(person, [identify({ email: 'jo@techcorp.com', company_name: 'TechCorp' })]).effects).toEqual([]);
    expect(world.asked).toEqual([]);
    const { effects } = world.run(person, [identify({ email: 'jo@techcorp.com', company_name: 'TechCorp', phone: '+1 555 0100' })]);
    expect(effects).toEqual([{ kind: 'fillLeadContact', leadId: leadIdFor('vis_p'), contact: { email: 'jo@techcorp.com', fullName: 'Jo Doe', phone: '+1 555 0100' } }]);
  });

  it('merges an anonymous visitor into the person who holds the identity, sending the merge instruction first', () => {
    const world = new World().own('email', 'jo@techcorp.com', 'vis_p');
    const view = pageview('https://shop.example/');
    const e = identify({ email: 'jo@techcorp.com' }, { context: { ip: '10.0.0.1', userAgent: 'x' } });
    const { state, effects, merged } = world.run(visitor(), [view, e]);
    expect(kinds(effects)).toEqual(['appendTimeline']);
    expect(merged?.into).toBe('vis_p');
    expect(merged?.instruction).toEqual({ id: 'mrg_vis_a', workspaceId: WS, visitorId: 'vis_p', key: 'id:vis_p', type: 'merge_visitor', timestamp: NOW.getTime(), receivedAt: NOW.getTime(), messageId: null, context: e.context, data: { source_visitor_id: 'vis_a' } });
    // Saved as merged: seen at the identify's time, the identify itself not counted as applied here.
    expect(state.visitor).toMatchObject({ mergedInto: 'vis_p', email: null, updatedAt: NOW, lastSeenAt: new Date(e.timestamp), recentEventIds: [view.id] });
  });

  it('follows merges to the owning person', () => {
    const world = new World().own('customer', 'cus_9', 'vis_old');
    world.visitors.set('vis_old', visitor('vis_old', { mergedInto: 'vis_p' }));
    expect(world.run(visitor(), [identify({ customer_id: 'cus_9' })]).merged?.into).toBe('vis_p');
  });

  it('never merges two identified people: the conflict is logged and kept on the timeline', () => {
    const world = new World().own('email', 'other@techcorp.com', 'vis_q');
    const e = identify({ email: 'other@techcorp.com' });
    const { state, effects, merged } = world.run(identified(), [e]);
    expect(merged).toBeNull();
    expect(state.visitor.email).toBe('jo@techcorp.com');
    expect(kinds(effects)).toEqual(['log', 'appendTimeline']);
    expect(effects[1]).toMatchObject({ activity: { id: e.id, category: 'identity', label: 'identify_conflict', activityIdentifier: null, metadata: { email: 'other@techcorp.com', customer_id: null } } });
    // A different email than the person's own is not even claimed.
    expect(world.asked).toEqual([]);
  });

  it('an identified person whose new customer id is held by another records the owner', () => {
    const world = new World().own('customer', 'cus_taken', 'vis_q');
    const { effects } = world.run(identified(), [identify({ email: 'jo@techcorp.com', customer_id: 'cus_taken' })]);
    expect(effects[1]).toMatchObject({ kind: 'appendTimeline', activity: { label: 'identify_conflict', activityIdentifier: 'vis_q' } });
  });

  describe('unverified (publishable key, no user_hash)', () => {
    it('attaches an identity nobody holds to an anonymous visitor: look first, then claim', () => {
      const world = new World();
      const { state, effects } = world.run(visitor(), [identify({ email: 'new@gmail.com' }, { unverified: true })]);
      expect(world.asked.map((r) => r.kind)).toEqual(['identityHolder', 'claimIdentity']);
      expect(state.visitor.email).toBe('new@gmail.com');
      expect(kinds(effects)).toEqual(['createLead', 'emit:person.identified']);
    });

    it('takes nothing when any part of the identity is held by another: no claim at all', () => {
      const world = new World().own('customer', 'cus_1', 'vis_p');
      const e = identify({ email: 'free@gmail.com', customer_id: 'cus_1' }, { unverified: true });
      const { state, effects, merged } = world.run(visitor(), [e]);
      expect(merged).toBeNull();
      expect(world.asked.map((r) => r.kind)).toEqual(['identityHolder', 'identityHolder']);
      expect(world.identities.has(identityIdFor(WS, 'email', 'free@gmail.com'))).toBe(false);
      expect(state.visitor.email).toBeNull();
      expect(effects).toEqual([{ kind: 'appendTimeline', workspaceId: WS, visitorId: 'vis_a', seq: 0, activity: { id: e.id, type: 'custom_activity', at: e.timestamp, category: 'identity', label: 'unverified_identify', activityIdentifier: null, metadata: { email: 'free@gmail.com', customer_id: 'cus_1', reason: 'held by another person' } } }]);
    });

    it('loses a claim race like a held identity (the claim is what decides)', () => {
      const world = new World();
      // Free when looked at; claimed by another visitor before this one's claim.
      const { facts } = { facts: emptyFacts() };
      facts.identityHolders.set(identityIdFor(WS, 'email', 'race@gmail.com'), null);
      world.own('email', 'race@gmail.com', 'vis_fast');
      const ctx = { now: NOW, facts };
      const decision = world.decide(initialState(visitor()), identify({ email: 'race@gmail.com' }, { unverified: true }), ctx);
      expect(decision.kind).toBe('decided');
      expect(decision.state.visitor.email).toBeNull();
      expect(decision.effects).toMatchObject([{ activity: { label: 'unverified_identify', metadata: { reason: 'held by another person' } } }]);
    });

    it('never changes an identified person and asks nothing', () => {
      const world = new World();
      const person = identified();
      const { state, effects } = world.run(person, [identify({ email: 'attacker@evil.example', name: 'Mallory' }, { unverified: true })]);
      expect(world.asked).toEqual([]);
      expect(state.visitor).toMatchObject({ email: person.email, person: person.person, company: person.company });
      expect(effects).toMatchObject([{ kind: 'appendTimeline', activity: { label: 'unverified_identify', metadata: { reason: 'visitor already identified' } } }]);
    });
  });
});

describe('visitor rules: revenue', () => {
  it('inserts an attributed order, announced only if this insert creates it, and a revenue entry', () => {
    const world = new World();
    const start = world.run(visitor(), [pageview('https://shop.example/?utm_source=ads&utm_medium=cpc')]).state;
    const e = event('revenue', { order_id: 'o_1', amount: 129.99, currency: 'usd', metadata: { sku: 'x' } });
    const { state, effects } = world.run(start, [e]);
    expect(kinds(effects)).toEqual(['insertOrder', 'appendTimeline']);
    const insert = effects[0] as Extract<Effect, { kind: 'insertOrder' }>;
    expect(insert.order).toEqual({ _id: orderIdFor(WS, 'o_1'), workspaceId: WS, orderId: 'o_1', visitorId: 'vis_a', leadId: null, amount: 129.99, currency: 'usd', eventType: null, metadata: { sku: 'x' }, firstTouch: state.visitor.firstTouch, lastTouch: state.visitor.lastTouch, orderedAt: new Date(e.timestamp), createdAt: NOW });
    expect(insert.onInserted).toEqual({
      kind: 'emit',
      workspaceId: WS,
      id: emittedEventIdFor(orderIdFor(WS, 'o_1'), 'order.attributed'),
      type: 'order.attributed',
      data: { id: orderIdFor(WS, 'o_1'), order_id: 'o_1', visitor_id: 'vis_a', lead_id: null, amount: 129.99, currency: 'usd', first_touch: touchView(state.visitor.firstTouch), last_touch: touchView(state.visitor.lastTouch), created_at: new Date(e.timestamp).toISOString() },
    });
    expect(effects[1]).toMatchObject({ seq: 1, activity: { id: e.id, category: 'revenue', label: 'purchase', activityIdentifier: 'o_1', metadata: { amount: 129.99, currency: 'usd' } } });
  });

  it('identifies the buyer it names first (the order carries the new lead)', () => {
    const world = new World();
    const { effects } = world.run(visitor(), [event('revenue', { order_id: 'o_2', amount: 5, currency: 'eur', email: 'buyer@gmail.com', event_type: 'renewal' })]);
    expect(kinds(effects)).toEqual(['createLead', 'emit:person.identified', 'insertOrder', 'appendTimeline']);
    expect(effects[2]).toMatchObject({ order: { leadId: leadIdFor('vis_a'), eventType: 'renewal' } });
    expect(effects[3]).toMatchObject({ activity: { label: 'renewal' } });
  });

  it('a buyer who is a known person merges there first; the order is decided there', () => {
    const world = new World().own('email', 'jo@techcorp.com', 'vis_p');
    const { effects, merged } = world.run(visitor(), [event('revenue', { order_id: 'o_3', amount: 1, currency: 'usd', email: 'jo@techcorp.com' })]);
    expect(merged?.into).toBe('vis_p');
    expect(effects).toEqual([]);
  });
});

describe('visitor rules: merge instruction', () => {
  it('absorbs the source visitor once, on the person as it was (a merge is not activity)', () => {
    const world = new World();
    const source = visitor('vis_a', { mergedInto: 'vis_p', tags: ['trial'], activityCount: 4, summary: world.run(visitor(), [pageview('https://shop.example/')]).state.visitor.summary });
    world.visitors.set('vis_a', source);
    const person = identified('vis_p', { tags: ['vip'] });
    const instruction = event('merge_visitor', { source_visitor_id: 'vis_a' }, { id: 'mrg_vis_a', visitorId: 'vis_p', timestamp: NOW.getTime() });
    const { state, effects } = world.run(person, [instruction]);
    expect(effects).toEqual([]);
    expect(state.visitor).toMatchObject({ mergedVisitorIds: ['vis_a'], tags: ['vip', 'trial'], updatedAt: NOW, lastSeenAt: source.lastSeenAt, recentEventIds: ['mrg_vis_a'] });
    expect(state.visitor.summary.pageVisits).toBe(1);
    // Again: already absorbed, nothing asked.
    world.asked.length = 0;
    const again = world.run(state.visitor, [{ ...instruction, id: 'mrg_vis_a_2' }]);
    expect(world.asked).toEqual([]);
    expect(again.state.visitor.mergedVisitorIds).toEqual(['vis_a']);
  });

  it('ignores a source that is gone or in another workspace', () => {
    const world = new World();
    world.visitors.set('vis_x', visitor('vis_x', { workspaceId: 'ws_other' }));
    const person = identified('vis_p');
    for (const source of ['vis_gone', 'vis_x']) {
      const { state } = world.run(person, [event('merge_visitor', { source_visitor_id: source })]);
      expect(state.visitor.mergedVisitorIds).toEqual([]);
    }
  });
});

describe('visitor rules: repeats', () => {
  it('decides an event the visitor remembers as nothing', () => {
    const world = new World();
    const e = pageview('https://shop.example/');
    const first = world.run(visitor(), [e]);
    const again = world.run(first.state, [e]);
    expect(again.effects).toEqual([]);
    expect(again.state.visitor).toEqual(first.state.visitor);
  });

  it('asks the processed log only for an event handed over again, and skips one applied before', () => {
    const world = new World();
    const fresh = pageview('https://shop.example/');
    world.run(visitor(), [fresh]);
    expect(world.asked).toEqual([]);
    const redelivered = pageview('https://shop.example/again', { redelivered: true });
    world.processed.add(redelivered.id);
    const { state, effects } = world.run(visitor(), [redelivered]);
    expect(world.asked).toEqual([{ kind: 'processed', eventId: redelivered.id }]);
    expect(effects).toEqual([]);
    expect(state.visitor.summary.pageVisits).toBe(0);
    const notYet = pageview('https://shop.example/late', { redelivered: true });
    expect(world.run(visitor(), [notYet]).effects).toHaveLength(1);
  });

  it(`remembers the last ${RECENT_EVENT_IDS} event ids`, () => {
    const world = new World();
    const events = Array.from({ length: RECENT_EVENT_IDS + 5 }, () => event('set_tags', { add: ['x'] }));
    const { state } = world.run(visitor(), events);
    expect(state.visitor.recentEventIds).toEqual(events.slice(5).map((e) => e.id));
  });

  it('does not change the state it is given', () => {
    const world = new World();
    const start = identified();
    const frozen = structuredClone(start);
    world.run(start, [pageview('https://shop.example/'), identify({ email: 'jo@techcorp.com', phone: '1' }), event('set_tags', { add: ['a'] })]);
    expect(start).toEqual(frozen);
  });

  it('is deterministic: the same state, event and facts give the same decision', () => {
    const e = identify({ email: 'ada@gmail.com' });
    const ctx = () => ({ now: NOW, facts: emptyFacts() });
    const a = ctx();
    const b = ctx();
    a.facts.claims.set(identityIdFor(WS, 'email', 'ada@gmail.com'), 'vis_a');
    b.facts.claims.set(identityIdFor(WS, 'email', 'ada@gmail.com'), 'vis_a');
    expect(decide(initialState(visitor()), e, a)).toEqual(decide(initialState(visitor()), e, b));
  });
});

describe('visitor rules: a timeline across a batch', () => {
  it('numbers entries from the saved count', () => {
    const world = new World();
    const { effects } = world.run(visitor('vis_a', { activityCount: 49 }), [pageview('https://shop.example/1'), event('event', { event_name: 'x' })]);
    expect(effects.map((e) => (e as { seq: number }).seq)).toEqual([49, 50]);
  });

  it('keeps page views 31 minutes apart in two sessions', () => {
    const world = new World();
    const { state } = world.run(visitor(), [pageview('https://shop.example/1', { timestamp: T0 }), pageview('https://shop.example/2', { timestamp: T0 + 31 * MIN })]);
    expect(state.visitor.summary.sessions).toHaveLength(2);
  });
});
