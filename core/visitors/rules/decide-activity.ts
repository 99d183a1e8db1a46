/** Timeline-only events: a tracked `event`, a custom activity and an email activity (from the API). */
import type { VisitorEvent } from '../visitor-types';
import { appendActivity, done, str, type Data } from './common';
import type { Decision, RuleState } from './effects';

/** `state.visitor` has been touched as seen by this event already. */
export function decideActivity(state: RuleState, event: VisitorEvent & { type: 'event' | 'custom_activity' | 'email_activity' }): Decision {
  const step = { visitor: state.visitor, effects: [] };
  const d = event.data;
  switch (event.type) {
    case 'event':
      return done(state, appendActivity(step, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'event', label: String(d.event_name), activityIdentifier: str(d.url), metadata: (d.event_data as Data) ?? {} }));
    case 'custom_activity':
      return done(state, appendActivity(step, { id: event.id, type: 'custom_activity', at: event.timestamp, category: String(d.category), label: String(d.label), activityIdentifier: str(d.activity_identifier), metadata: (d.metadata as Data) ?? {} }));
    case 'email_activity':
      return done(state, appendActivity(step, { id: event.id, type: 'email', at: event.timestamp, subject: String(d.subject) }));
  }
}
