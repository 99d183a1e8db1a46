/** An order as the API shows it (Persequor's snake_case), with both attribution touches. */
import { z } from 'zod';
import { attributionTouchSchema } from '../../core/events/payloads';
import type { OrderDoc } from '../../core/orders/order.model';
import { touchView } from '../../core/visitors/touch-view';
import { isoDate } from '../http/common-schemas';

const text = z.string().nullable();

export const orderViewSchema = z
  .object({
    id: z.string().meta({ example: 'ord_5e1f0c9a8b7d6e5f4a3b2c1d' }),
    order_id: z.string().meta({ description: 'The order id in your shop or billing system' }),
    visitor_id: z.string(),
    lead_id: text,
    amount: z.number(),
    currency: z.string().meta({ example: 'USD' }),
    event_type: text.meta({ description: 'e.g. purchase, subscription, renewal' }),
    metadata: z.record(z.string(), z.unknown()),
    first_touch: attributionTouchSchema,
    last_touch: attributionTouchSchema,
    ordered_at: isoDate,
    created_at: isoDate,
  })
  .meta({ id: 'Order' });

export function orderView(o: OrderDoc): z.infer<typeof orderViewSchema> {
  return {
    id: o._id,
    order_id: o.orderId,
    visitor_id: o.visitorId,
    lead_id: o.leadId ?? null,
    amount: o.amount,
    currency: o.currency,
    event_type: o.eventType ?? null,
    metadata: o.metadata ?? {},
    first_touch: touchView(o.firstTouch),
    last_touch: touchView(o.lastTouch),
    ordered_at: o.orderedAt.toISOString(),
    created_at: o.createdAt.toISOString(),
  };
}
