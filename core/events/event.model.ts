import { Schema, model, type InferSchemaType } from 'mongoose';

/** The outgoing event log: every event is stored before any delivery is attempted. */
const eventSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    /** Synthetic events from POST /webhooks/:id/test go to that subscription only. */
    testForSubscriptionId: { type: String, required: false },
    /** Outbox marker: set once every matching delivery exists and its workflow was started. */
    fannedOutAt: { type: Date, required: false, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'events', minimize: false },
);

eventSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
eventSchema.index({ workspaceId: 1, type: 1, createdAt: -1, _id: -1 });
eventSchema.index({ fannedOutAt: 1, createdAt: 1 });

export type EventDoc = InferSchemaType<typeof eventSchema> & { _id: string };
export const EventModel = model('Event', eventSchema);
