import { Schema, model, type InferSchemaType } from 'mongoose';

export const deliveryStatuses = ['pending', 'succeeded', 'failed', 'canceled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * Who has a pending delivery in hand: `batch` (a dispatch workflow sends its next attempt with
 * others), `workflow` (its own `delivery-<id>` workflow retries it on the schedule) or `waiting`
 * (its endpoint's circuit is open: it waits in the database for the endpoint workflow to drain it).
 */
export const deliveryStages = ['batch', 'workflow', 'waiting'] as const;
export type DeliveryStage = (typeof deliveryStages)[number];

/** Attempts kept on a delivery, the most recent (older ones are dropped): every retry or recover adds a series. */
export const MAX_STORED_ATTEMPTS = 100;

/** Why an attempt failed, recorded on it (the webhook HTTP client classifies every failure as one of these). */
export const deliveryErrorClasses = ['timeout', 'connection_refused', 'dns', 'tls', 'ssrf_blocked', 'redirect', 'http_status', 'network'] as const;
export type DeliveryErrorClass = (typeof deliveryErrorClasses)[number];

const attemptSchema = new Schema(
  {
    number: { type: Number, required: true },
    /** Each recover, and each retry of a finished delivery, starts a new series; the MAX_STORED_ATTEMPTS most recent attempts, of any series, stay on the delivery. */
    series: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    durationMs: { type: Number, required: true },
    httpStatus: { type: Number, required: false },
    /** What was sent (content type, user agent, the Standard Webhooks id, timestamp and signature); absent on attempts recorded before it was kept. */
    requestHeaders: { type: Schema.Types.Mixed, required: false },
    responseHeaders: { type: Schema.Types.Mixed, required: false },
    responseBody: { type: String, required: false },
    errorClass: { type: String, enum: deliveryErrorClasses, required: false },
    errorMessage: { type: String, required: false },
  },
  { _id: false },
);

/** One (event, subscription) pair, or one per replay of it; unique, so fan-out can be repeated without duplicates. */
const deliverySchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    url: { type: String, required: true },
    status: { type: String, enum: deliveryStatuses, required: true, default: 'pending' },
    statusReason: { type: String, required: false },
    series: { type: Number, required: true, default: 1 },
    stage: { type: String, enum: deliveryStages, required: true, default: 'workflow' },
    attempts: { type: [attemptSchema], required: true, default: [] }, // at most MAX_STORED_ATTEMPTS
    nextAttemptAt: { type: Date, required: false, default: null },
    lastAttemptAt: { type: Date, required: false, default: null },
    completedAt: { type: Date, required: false, default: null },
    workflowId: { type: String, required: true },
    /** Set on the deliveries of a replay (POST /events/:id/replay): a new delivery of the same event to the same subscription. */
    replayId: { type: String, required: false },
  },
  { timestamps: true, versionKey: false, collection: 'deliveries' },
);

// Few indexes on purpose: every attempt rewrites the delivery, and each index costs on each write.
deliverySchema.index({ eventId: 1, subscriptionId: 1, replayId: 1 }, { unique: true }); // also serves "deliveries of an event"
deliverySchema.index({ workspaceId: 1, subscriptionId: 1, createdAt: -1, _id: -1 }); // lists, pending, recover
deliverySchema.index({ createdAt: 1 }); // retention
deliverySchema.index({ workspaceId: 1, createdAt: -1, _id: -1 }); // the workspace's list (any endpoint) and its stats window
deliverySchema.index({ subscriptionId: 1, stage: 1, createdAt: 1 }); // an endpoint's waiting deliveries, oldest first

/** Indexes an older version declared, dropped at startup: the pair index without `replayId` would refuse a replay's deliveries. */
export const retiredDeliveryIndexes = ['eventId_1_subscriptionId_1'];

export type DeliveryDoc = InferSchemaType<typeof deliverySchema> & { _id: string };
export type DeliveryAttempt = InferSchemaType<typeof attemptSchema>;
export const DeliveryModel = model('Delivery', deliverySchema);
