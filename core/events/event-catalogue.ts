/**
 * The event types Signalbox emits to webhook subscribers. Plan gating follows the Parsley
 * seed: high-signal events need a paid plan; a workspace's entitlements decide.
 */
export const eventTypes = [
  'lead.created',
  'lead.updated',
  'lead.scored',
  'person.identified',
  'person.page_visit',
  'person.segment_qualified',
  'person.segment_disqualified',
  'company.identified',
  'company.page_visit',
  'company.segment_qualified',
  'company.segment_disqualified',
  'prospect.qualified',
  'order.attributed',
  'webhook.disabled',
] as const;

export type EventType = (typeof eventTypes)[number];

export const plans = ['free', 'pro'] as const;
export type Plan = (typeof plans)[number];

/** High-signal events a free workspace may not subscribe to. */
export const paidEventTypes: ReadonlySet<EventType> = new Set(['lead.scored', 'prospect.qualified', 'order.attributed']);

export function eventTypesForPlan(plan: Plan): EventType[] {
  return plan === 'pro' ? [...eventTypes] : eventTypes.filter((t) => !paidEventTypes.has(t));
}

export function isEventType(value: string): value is EventType {
  return (eventTypes as readonly string[]).includes(value);
}
