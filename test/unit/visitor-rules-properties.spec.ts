import fc from 'fast-check';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { emptySummary, recordPageVisit, sessionCount } from '../../core/visitors/sessions';
import { leadIdFor } from '../../core/visitors/visitor-ids';
import type { VisitorEvent } from '../../core/visitors/visitor-types';
import { MIN, T0, visitor, World, WS } from './visitor-rules-world';

const emails = ['ada@gmail.com', 'jo@techcorp.com', 'sam@acme.io'];
const customers = ['cus_1', 'cus_2'];
const others = ['vis_p', 'vis_q'];

const anEmail = fc.option(fc.constantFrom(...emails), { nil: undefined });
const aCustomer = fc.option(fc.constantFrom(...customers), { nil: undefined });
const aTime = fc.integer({ min: 0, max: 3 * 24 * 60 }).map((m) => T0 + m * MIN);

/** Event data by type (ids and times are filled in by `batch`). */
const aPayload: fc.Arbitrary<Pick<VisitorEvent, 'type' | 'data'> & { unverified?: true }> = fc.oneof(
  fc.record({ type: fc.constant('pageview' as const), data: fc.record({ url: fc.constantFrom('https://shop.example/', 'https://shop.example/p?utm_source=x', 'https://shop.example/a?gclid=1'), referrer: fc.constantFrom(undefined, 'https://www.google.com/') }) }),
  fc.record({ type: fc.constant('event' as const), data: fc.record({ event_name: fc.constantFrom('a', 'b') }) }),
  fc.record({ type: fc.constant('identify' as const), data: fc.record({ email: anEmail, customer_id: aCustomer, name: fc.constantFrom(undefined, 'Ada', 'Jo'), company_name: fc.constantFrom(undefined, 'Acme') }), unverified: fc.constantFrom(undefined, true as const) }),
  fc.record({ type: fc.constant('revenue' as const), data: fc.record({ order_id: fc.constantFrom('o_1', 'o_2'), amount: fc.constantFrom(1, 20), currency: fc.constant('usd'), email: anEmail }) }),
  fc.record({ type: fc.constant('set_attributes' as const), data: fc.record({ attributes: fc.dictionary(fc.constantFrom('plan', 'seats'), fc.constantFrom('a', 1, true)) }) }),
  fc.record({ type: fc.constant('set_tags' as const), data: fc.record({ add: fc.array(fc.constantFrom('x', 'y')), remove: fc.array(fc.constantFrom('x', 'y')) }) }),
  fc.record({ type: fc.constant('custom_activity' as const), data: fc.record({ category: fc.constant('c'), label: fc.constant('l') }) }),
  fc.record({ type: fc.constant('email_activity' as const), data: fc.record({ subject: fc.constant('s') }) }),
);

const batch = fc.array(fc.tuple(aPayload, aTime), { minLength: 1, maxLength: 12 }).map((items) =>
  items.map(([p, timestamp], i): VisitorEvent => ({ id: `ing_${i}`, workspaceId: WS, visitorId: 'vis_a', key: 'fp:vis_a', timestamp, receivedAt: timestamp, messageId: null, context: { ip: null, userAgent: null }, ...p })),
);

/** Who holds each identity before the batch: nobody, this visitor, or another person. */
const ownerships = fc.record({ email: fc.array(fc.constantFrom<string | null>(null, 'vis_a', ...others), { minLength: emails.length, maxLength: emails.length }), customer: fc.array(fc.constantFrom<string | null>(null, 'vis_a', ...others), { minLength: customers.length, maxLength: customers.length }) });

function worldWith(owners: { email: (string | null)[]; customer: (string | null)[] }): World {
  const world = new World();
  owners.email.forEach((o, i) => o && world.own('email', emails[i], o));
  owners.customer.forEach((o, i) => o && world.own('customer', customers[i], o));
  return world;
}

const aStart = fc.constantFrom<() => VisitorDoc>(
  () => visitor(),
  () => visitor('vis_a', { email: 'jo@techcorp.com', identifiedAt: new Date(T0), leadId: leadIdFor('vis_a'), person: { name: 'Jo' }, company: { domain: 'techcorp.com', name: null } }),
  () => visitor('vis_a', { customerId: 'cus_2', identifiedAt: new Date(T0), leadId: leadIdFor('vis_a') }),
);

describe('visitor rules (properties)', () => {
  it('applying the same events again yields no new effects and the same state', () => {
    fc.assert(
      fc.property(aStart, batch, ownerships, (start, events, owners) => {
        const world = worldWith(owners);
        const first = world.run(start(), events);
        const applied = events.slice(0, first.applied);
        const state = { ...first.state, visitor: { ...first.state.visitor, mergedInto: null } };
        const again = world.run(state, applied);
        expect(again.effects).toEqual([]);
        expect(again.state.visitor).toEqual(state.visitor);
        // Each event twice in a row: the repeat adds nothing.
        const doubled = worldWith(owners).run(start(), applied.flatMap((e) => [e, e]));
        const once = worldWith(owners).run(start(), applied);
        expect(doubled.effects).toEqual(once.effects);
        expect(doubled.state.visitor).toEqual(once.state.visitor);
      }),
    );
  });

  it('page views in any order give the sessions and visit count of sessions.ts', () => {
    const minutes = fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(
        minutes.chain((ms) => fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms, { minLength: ms.length, maxLength: ms.length }))),
        ([ordered, shuffled]) => {
          const views = (ms: number[]) => ms.map((m, i): VisitorEvent => ({ id: `ing_${i}`, workspaceId: WS, visitorId: 'vis_a', key: 'fp:vis_a', type: 'pageview', timestamp: T0 + m * MIN, receivedAt: T0, messageId: null, context: { ip: null, userAgent: null }, data: { url: 'https://shop.example/' } }));
          const expected = [...ordered].sort((a, b) => a - b).reduce((s, m) => recordPageVisit(s, T0 + m * MIN), emptySummary());
          for (const order of [ordered, shuffled]) {
            const { summary } = new World().run(visitor(), views(order)).state.visitor;
            expect(sessionCount(summary)).toBe(sessionCount(expected));
            expect(summary.sessions).toEqual(expected.sessions);
            expect(summary.pageVisits).toBe(order.length);
          }
        },
      ),
    );
  });

  it('an unverified identify never merges, never changes an identified person, and never claims what another holds', () => {
    fc.assert(
      fc.property(aStart, ownerships, anEmail, aCustomer, (start, owners, email, customerId) => {
        const world = worldWith(owners);
        const before = start();
        const heldBefore = new Map(world.identities);
        const e: VisitorEvent = { id: 'ing_u', workspaceId: WS, visitorId: 'vis_a', key: 'fp:vis_a', type: 'identify', timestamp: T0 + MIN, receivedAt: T0 + MIN, messageId: null, context: { ip: null, userAgent: null }, data: { email, customer_id: customerId, name: 'Mallory' }, unverified: true };
        const { state, merged, effects } = world.run(before, [e]);
        expect(merged).toBeNull();
        expect(state.visitor.mergedInto).toBeNull();
        const anonymous = !before.email && !before.customerId;
        if (!anonymous) {
          expect(world.asked).toEqual([]);
          expect(state.visitor).toMatchObject({ email: before.email, customerId: before.customerId, person: before.person, company: before.company, leadId: before.leadId });
          expect(effects.map((x) => x.kind)).toEqual(['appendTimeline']);
        }
        const holders = [email && owners.email[emails.indexOf(email)], customerId && owners.customer[customers.indexOf(customerId)]];
        if (holders.some((h) => h && h !== 'vis_a')) {
          expect(world.asked.some((r) => r.kind === 'claimIdentity')).toBe(false);
          expect(world.identities).toEqual(heldBefore);
          expect(state.visitor.email).toBe(before.email);
        }
      }),
    );
  });

  it('a verified identify merges only an anonymous visitor, and only into the identity’s owner', () => {
    fc.assert(
      fc.property(aStart, ownerships, anEmail, aCustomer, (start, owners, email, customerId) => {
        const world = worldWith(owners);
        const before = start();
        const e: VisitorEvent = { id: 'ing_v', workspaceId: WS, visitorId: 'vis_a', key: 'fp:vis_a', type: 'identify', timestamp: T0 + MIN, receivedAt: T0 + MIN, messageId: null, context: { ip: null, userAgent: null }, data: { email, customer_id: customerId } };
        const { merged } = world.run(before, [e]);
        if (merged) {
          expect(before.email ?? before.customerId).toBeNull();
          expect(others).toContain(merged.into);
          expect(merged.instruction).toMatchObject({ type: 'merge_visitor', visitorId: merged.into, data: { source_visitor_id: 'vis_a' } });
        }
      }),
    );
  });

  it('two anonymous visitors claiming one identity end with one owner; the other merges into it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...emails), fc.boolean(), (email, bFirst) => {
        const world = new World();
        const idOf = (v: string): VisitorEvent => ({ id: `ing_${v}`, workspaceId: WS, visitorId: v, key: `fp:${v}`, type: 'identify', timestamp: T0, receivedAt: T0, messageId: null, context: { ip: null, userAgent: null }, data: { email } });
        const [first, second] = bFirst ? ['vis_b', 'vis_a'] : ['vis_a', 'vis_b'];
        const a = world.run(visitor(first), [idOf(first)]);
        const b = world.run(visitor(second), [idOf(second)]);
        expect(a.state.visitor.email).toBe(email);
        expect(a.merged).toBeNull();
        expect(b.merged?.into).toBe(first);
        expect(b.state.visitor.email).toBeNull();
      }),
    );
  });
});
