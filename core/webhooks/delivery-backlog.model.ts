import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * Deliveries waiting for their endpoint's circuit to close: one row per delivery (`_id` is the
 * delivery id), removed once it is sent (or canceled). The endpoint workflow probes with the
 * oldest and drains them oldest first from here rather than from `deliveries`, which holds every
 * delivery of the retention window: on FerretDB, which scans for anything but `_id`, each probe
 * then reads only what waits.
 */
const backlogSchema = new Schema(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    /** When the delivery was created: the drain order. */
    since: { type: Date, required: true },
  },
  { versionKey: false, collection: 'delivery_backlog' },
);

backlogSchema.index({ subscriptionId: 1, since: 1 }); // an endpoint's oldest first

export type BacklogDoc = InferSchemaType<typeof backlogSchema> & { _id: string };
export const BacklogModel = model('DeliveryBacklog', backlogSchema);
