/**
 * How one event changes a visitor: the rules of the visitor model, as pure decisions.
 * `decide(state, event, context)` returns the next state and the effects to write (timeline
 * entries, company visits, leads, orders, events to emit), or the facts it needs first. The shell
 * (../apply-visitor-events.ts) resolves facts, writes effects and saves the visitor once per batch.
 * Scoring and segments plug in here as further deciders.
 */
import type { VisitorEvent } from '../visitor-types';
import { missingFacts, needs, touchSeen } from './common';
import { decideActivity } from './decide-activity';
import { decideAttributes } from './decide-attributes';
import { decideIdentify } from './decide-identify';
import { decideMerge } from './decide-merge';
import { decidePageview } from './decide-pageview';
import { decideRevenue } from './decide-revenue';
import { decided, type DecideContext, type Decision, type RuleState } from './effects';

/** Applied-event ids a visitor remembers, so a batch retried after its save is not applied twice. */
export const RECENT_EVENT_IDS = 200;

/**
 * Decides one event of the visitor's pipeline. An event the visitor already contains (a retried
 * batch, a repeat handed over again) is decided as nothing: same state, no effects. A merged
 * visitor's events belong to the person it was merged into; the shell forwards them instead.
 */
export function decide(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  if (state.visitor.mergedInto) throw new Error(`visitor ${state.visitor._id} was merged into ${state.visitor.mergedInto}: its events are forwarded, not decided`);
  if (state.visitor.recentEventIds.includes(event.id)) return decided(state);
  // Only an event handed over again may have been applied longer ago than the visitor remembers.
  if (event.redelivered) {
    const missing = missingFacts(ctx, [{ kind: 'processed', eventId: event.id }]);
    if (missing.length > 0) return needs(missing);
    if (ctx.facts.processed.get(event.id)) return decided(state);
  }
  const decision = decideRule(state, event, ctx);
  if (decision.kind !== 'decided') return decision;
  const visitor = decision.state.visitor;
  return { ...decision, state: { ...decision.state, visitor: { ...visitor, recentEventIds: [...visitor.recentEventIds, event.id].slice(-RECENT_EVENT_IDS) } } };
}

/** The rule of the event's type, on the visitor touched as seen at the event's time. */
function decideRule(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  const seen: RuleState = { ...state, visitor: touchSeen(state.visitor, event.timestamp) };
  switch (event.type) {
    case 'pageview':
      return decidePageview(seen, event, ctx);
    case 'event':
    case 'custom_activity':
    case 'email_activity':
      return decideActivity(seen, event as VisitorEvent & { type: typeof event.type });
    case 'identify':
      return decideIdentify(seen, event, ctx);
    case 'revenue':
      return decideRevenue(seen, event, ctx);
    case 'set_attributes':
    case 'set_tags':
      return decideAttributes(seen, event as VisitorEvent & { type: typeof event.type });
    case 'merge_visitor':
      return decideMerge(state, event, ctx);
    default:
      // Data from an older or newer version: the pipeline parks it after a few attempts.
      throw new TypeError(`Unknown visitor event type '${String((event as VisitorEvent).type)}'`);
  }
}
