import fc from 'fast-check';
import { decideStandings } from '../../core/segments/decide-standings';
import { compileSegment, type SegmentFacts } from '../../core/segments/evaluate-segment';
import type { SegmentDoc } from '../../core/segments/segment.model';
import type { SegmentStanding } from '../../core/segments/segment-standing.model';
import { segmentRulesSchema, type SegmentRuleNode } from '../../core/segments/segment-rules';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);

const segmentOf = (rules: unknown): SegmentDoc => ({ _id: 'seg_a', workspaceId: 'ws', name: 'A', entity: 'person', rules: segmentRulesSchema.parse(rules), emitOnBackfill: false, version: 1, createdAt: new Date(START), updatedAt: new Date(START) });
const empty = (): SegmentFacts => ({ profile: {}, attributes: {}, tags: [], visits: [], events: [], sessionStarts: [], lastSeenAt: null });

type Step = { at: number } & ({ kind: 'visit'; url: string } | { kind: 'event'; name: string } | { kind: 'session' } | { kind: 'tag'; tag: string } | { kind: 'plan'; plan: string } | { kind: 'probe' });

/** What a person's pipeline knows after one more thing they did (a probe changes nothing). */
function withStep(f: SegmentFacts, step: Step): SegmentFacts {
  const seen = { ...f, lastSeenAt: step.kind === 'probe' || step.kind === 'tag' || step.kind === 'plan' ? f.lastSeenAt : step.at };
  switch (step.kind) {
    case 'visit':
      return { ...seen, visits: [...f.visits, { url: step.url, at: step.at }] };
    case 'event':
      return { ...seen, events: [...f.events, { name: step.name, at: step.at }] };
    case 'session':
      return { ...seen, sessionStarts: [...f.sessionStarts, step.at] };
    case 'tag':
      return { ...seen, tags: [...new Set([...f.tags, step.tag])] };
    case 'plan':
      return { ...seen, attributes: { ...f.attributes, plan: step.plan } };
    default:
      return seen;
  }
}

/**
 * The pipeline, incrementally: it evaluates when something happens and when its timer (the
 * earliest expiresAt) fires, keeping only the stored standing between evaluations. From-scratch
 * evaluation at any moment must agree with what it has stored by then.
 */
describe('segment standings: incremental evaluation agrees with evaluation from scratch', () => {
  const days = fc.constantFrom(0.5, 1, 3, 7);
  const condition: fc.Arbitrary<SegmentRuleNode> = fc.oneof(
    fc.record({ visited: fc.constantFrom('/pricing*', '/blog/*'), at_least: fc.integer({ min: 1, max: 3 }), within_days: days }),
    fc.record({ event: fc.constantFrom('demo_requested', 'signup'), at_least: fc.integer({ min: 1, max: 2 }), within_days: days }),
    fc.record({ sessions_at_least: fc.integer({ min: 1, max: 3 }), within_days: days }),
    fc.record({ last_seen_within_days: days }),
    fc.record({ tag: fc.constantFrom('beta', 'vip') }),
    fc.record({ attribute: fc.constant('plan'), op: fc.constant('eq'), value: fc.constantFrom('free', 'pro') }),
  );
  const rulesArb = fc.oneof(fc.record({ all: fc.array(fc.oneof(condition, fc.record({ any: fc.array(condition, { minLength: 1, maxLength: 3 }) })), { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(condition, { minLength: 1, maxLength: 3 }) }));
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ at: fc.constant(0), kind: fc.constant('visit' as const), url: fc.constantFrom('/pricing', '/pricing?x=1', '/blog/post', '/about') }),
    fc.record({ at: fc.constant(0), kind: fc.constant('event' as const), name: fc.constantFrom('demo_requested', 'signup', 'other') }),
    fc.record({ at: fc.constant(0), kind: fc.constant('session' as const) }),
    fc.record({ at: fc.constant(0), kind: fc.constant('tag' as const), tag: fc.constantFrom('beta', 'vip') }),
    fc.record({ at: fc.constant(0), kind: fc.constant('plan' as const), plan: fc.constantFrom('free', 'pro') }),
    fc.record({ at: fc.constant(0), kind: fc.constant('probe' as const) }),
  );
  // Steps at increasing times, gaps from minutes to over a week, so windows open and close between them.
  const journeyArb = fc.array(fc.tuple(fc.integer({ min: 60_000, max: 9 * DAY }), stepArb), { minLength: 1, maxLength: 25 }).map((pairs) => {
    let at = START;
    return pairs.map(([gap, step]) => ({ ...step, at: (at += gap) }));
  });

  it('at every step and probe, the stored membership is what a full re-evaluation says; each change is one transition', () => {
    fc.assert(
      fc.property(rulesArb, journeyArb, (rules, journey) => {
        const segment = segmentOf(rules);
        const compiled = compileSegment(segment.rules);
        let stored: Record<string, SegmentStanding> = {};
        let timer: number | null = null;
        let transitions = 0;
        let facts = empty();
        const evaluate = (at: number) => {
          const decision = decideStandings([segment], stored, () => compiled.evaluate(facts, at), new Date(at));
          for (const t of decision.transitions) stored = { ...stored, [t.segment._id]: t.standing };
          transitions += decision.transitions.length;
          timer = decision.expiresAt;
        };
        let flips = 0;
        let wasMember = false;
        const scratch = (at: number) => {
          const member = compiled.evaluate(facts, at).member;
          if (member !== wasMember) flips++;
          wasMember = member;
          return member;
        };
        for (const step of journey) {
          // The durable timer fires before anything later happens.
          while (timer !== null && timer <= step.at) {
            const at: number = timer;
            evaluate(at);
            expect(stored.seg_a?.member ?? false).toBe(scratch(at));
          }
          facts = withStep(facts, step);
          if (step.kind !== 'probe') evaluate(step.at);
          expect(stored.seg_a?.member ?? false).toBe(scratch(step.at));
        }
        expect(stored.seg_a?.changes ?? 0).toBe(transitions);
        expect(transitions).toBe(flips);
      }),
      { numRuns: 500 },
    );
  });
});
