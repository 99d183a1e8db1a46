/** Revenue: a purchase identifies the buyer when it names them, then becomes an attributed order (order.attributed, once). */
import { touchView } from '../touch-view';
import { orderIdFor } from '../visitor-ids';
import type { VisitorEvent } from '../visitor-types';
import { appendActivity, done, emitOf, str, type Data, type Step } from './common';
import { decideIdentify } from './decide-identify';
import type { DecideContext, Decision, RuleState } from './effects';

/** `state.visitor` has been touched as seen by this event already. */
export function decideRevenue(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  let buyerState = state;
  let step: Step = { visitor: state.visitor, effects: [] };
  if (str(event.data.email) || str(event.data.customer_id)) {
    const identified = decideIdentify(state, event, ctx);
    if (identified.kind !== 'decided') return identified;
    buyerState = identified.state;
    step = { visitor: identified.state.visitor, effects: identified.effects };
  }
  const buyer = step.visitor;
  const d = event.data;
  const orderId = String(d.order_id);
  const order = {
    _id: orderIdFor(buyer.workspaceId, orderId),
    workspaceId: buyer.workspaceId,
    orderId,
    visitorId: buyer._id,
    leadId: buyer.leadId,
    amount: Number(d.amount),
    currency: String(d.currency),
    eventType: str(d.event_type),
    metadata: (d.metadata as Data) ?? {},
    firstTouch: buyer.firstTouch,
    lastTouch: buyer.lastTouch,
    orderedAt: new Date(event.timestamp),
    createdAt: ctx.now,
  };
  const attributed = emitOf(buyer.workspaceId, order._id, 'order.attributed', {
    id: order._id,
    order_id: orderId,
    visitor_id: buyer._id,
    lead_id: buyer.leadId,
    amount: order.amount,
    currency: order.currency,
    first_touch: touchView(buyer.firstTouch),
    last_touch: touchView(buyer.lastTouch),
    created_at: order.orderedAt.toISOString(),
  });
  step = { visitor: buyer, effects: [...step.effects, { kind: 'insertOrder', order, onInserted: attributed }] };
  return done(buyerState, appendActivity(step, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'revenue', label: str(d.event_type) ?? 'purchase', activityIdentifier: orderId, metadata: { amount: order.amount, currency: order.currency } }));
}
