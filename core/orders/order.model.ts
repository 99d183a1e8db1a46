import { Schema, model } from 'mongoose';
import type { Touch } from '../visitors/visitor-types';

/** A revenue event as an order, attributed to the buyer's first and last touch (Persequor). */
const orderSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    orderId: { type: String, required: true },
    visitorId: { type: String, required: true },
    leadId: { type: String, default: null },
    amount: { type: Number, required: true },
    currency: { type: String, required: true },
    eventType: { type: String, default: null },
    metadata: { type: Schema.Types.Mixed, default: {} },
    firstTouch: { type: Schema.Types.Mixed, default: null },
    lastTouch: { type: Schema.Types.Mixed, default: null },
    orderedAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'orders', minimize: false },
);

orderSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

export interface OrderDoc {
  _id: string;
  workspaceId: string;
  orderId: string;
  visitorId: string;
  leadId: string | null;
  amount: number;
  currency: string;
  eventType: string | null;
  metadata: Record<string, unknown>;
  firstTouch: Touch | null;
  lastTouch: Touch | null;
  orderedAt: Date;
  createdAt: Date;
}
export const OrderModel = model('Order', orderSchema);
