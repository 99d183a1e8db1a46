/**
 * Merges: an anonymous visitor identified as a known person is saved as merged and hands the
 * person's pipeline an instruction (`merge_visitor`); the person absorbs the visitor's history.
 */
import { mergeVisitorInto } from '../merge-visitors';
import type { VisitorDoc } from '../visitor.model';
import type { VisitorEvent } from '../visitor-types';
import { missingFacts, needs } from './common';
import { decided, type DecideContext, type Decision, type RuleState } from './effects';

/**
 * A known person absorbs an anonymous visitor merged into it (history, touches, attributes).
 * Decided on the person as it was before this event (a merge instruction is not activity).
 */
export function decideMerge(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  const person = state.visitor;
  const sourceId = String(event.data.source_visitor_id);
  if (person.mergedVisitorIds.includes(sourceId) || sourceId === person._id) return decided(state);
  const missing = missingFacts(ctx, [{ kind: 'visitor', visitorId: sourceId }]);
  if (missing.length > 0) return needs(missing);
  const source = ctx.facts.visitors.get(sourceId) ?? null;
  if (!source || source.workspaceId !== person.workspaceId) return decided(state);
  return decided({ ...state, visitor: mergeVisitorInto(person, source, ctx.now) });
}

/** The instruction the merged visitor sends ahead of its forwarded events: "absorb me". */
export function mergeInstruction(visitor: VisitorDoc, into: string, cause: VisitorEvent, now: Date): VisitorEvent {
  return {
    id: `mrg_${visitor._id}`,
    workspaceId: visitor.workspaceId,
    visitorId: into,
    key: `id:${into}`,
    type: 'merge_visitor',
    timestamp: now.getTime(),
    receivedAt: now.getTime(),
    messageId: null,
    context: cause.context,
    data: { source_visitor_id: visitor._id },
  };
}
