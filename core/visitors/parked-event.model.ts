import { Schema, model } from 'mongoose';
import type { VisitorEvent } from '../visitors/visitor-types';

/**
 * Accepted events the visitor pipeline gave up on: applying them failed for a reason of their
 * own (not an outage) on every attempt, or ran over the CPU budget. Parked rather than retried
 * forever, so one poisonous event never stalls its visitor or the worker; nothing is dropped:
 * each can be listed, replayed once the cause is fixed, or discarded (`/api/v1/parked-events`).
 */
const parkedEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    type: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    error: { type: String, required: true },
    errorType: { type: String, required: true },
    /** How often it was parked (a replay that fails again parks it again). */
    timesParked: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'parked_events', minimize: false },
);

parkedEventSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

export interface ParkedEventDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  type: string;
  event: VisitorEvent;
  error: string;
  errorType: string;
  timesParked: number;
  createdAt: Date;
}
export const ParkedEventModel = model('ParkedEvent', parkedEventSchema);
