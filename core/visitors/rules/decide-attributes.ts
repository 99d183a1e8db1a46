/** Attributes and tags set through the API: the visitor document only, no other effect. */
import type { AttributeValue, VisitorEvent } from '../visitor-types';
import { decided, type Decision, type RuleState } from './effects';

/** `state.visitor` has been touched as seen by this event already. */
export function decideAttributes(state: RuleState, event: VisitorEvent & { type: 'set_attributes' | 'set_tags' }): Decision {
  const visitor = state.visitor;
  if (event.type === 'set_attributes') {
    return decided({ ...state, visitor: { ...visitor, attributes: { ...visitor.attributes, ...(event.data.attributes as Record<string, AttributeValue>) } } });
  }
  return decided({ ...state, visitor: { ...visitor, tags: nextTags(visitor.tags, event.data.add as string[] | undefined, event.data.remove as string[] | undefined) } });
}

export function nextTags(tags: string[], add: string[] = [], remove: string[] = []): string[] {
  const removed = new Set(remove);
  return [...new Set([...tags, ...add])].filter((t) => !removed.has(t));
}
