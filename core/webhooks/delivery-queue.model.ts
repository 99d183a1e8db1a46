import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * First attempts waiting for their dispatch partition: one row per delivery (`_id` is the
 * delivery id), removed once its attempt is recorded. Small by design (it holds only what is
 * about to be sent), so a partition's poll is cheap on FerretDB too, which scans for anything but
 * `_id`. The hand-over from fan-out to the dispatch workflows goes through here, not through
 * Temporal signals: a delivery costs Temporal nothing unless its first attempt fails.
 */
const queuedDeliverySchema = new Schema(
  {
    _id: { type: String, required: true },
    partition: { type: Number, required: true },
    workspaceId: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    series: { type: Number, required: true },
    attemptNumber: { type: Number, required: true },
    queuedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'delivery_queue' },
);

queuedDeliverySchema.index({ partition: 1, queuedAt: 1 }); // a partition's poll, oldest first
queuedDeliverySchema.index({ subscriptionId: 1 }); // an endpoint's queued count

export type QueuedDeliveryDoc = InferSchemaType<typeof queuedDeliverySchema> & { _id: string };
export const QueuedDeliveryModel = model('QueuedDelivery', queuedDeliverySchema);
