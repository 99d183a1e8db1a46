import { Schema, model, type InferSchemaType } from 'mongoose';

const signingSecretSchema = new Schema(
  {
    /** Needed in plaintext to sign; never returned after creation/rotation, never logged. */
    secret: { type: String, required: true },
    prefix: { type: String, required: true },
    createdAt: { type: Date, required: true },
    /** Set on the old secret when rotated: deliveries sign with it too until then. */
    expiresAt: { type: Date, required: false },
  },
  { _id: false },
);

const webhookSubscriptionSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    description: { type: String, required: false },
    /** Optional narrowing, e.g. `{ urlPatterns: ["https://example.com/pricing*"] }` for page visits. */
    filters: {
      urlPatterns: { type: [String], required: false, default: undefined },
      segmentIds: { type: [String], required: false, default: undefined },
    },
    /** `zapier` when created through Zapier's REST-hook body. */
    source: { type: String, enum: ['api', 'zapier'], required: true, default: 'api' },
    active: { type: Boolean, required: true, default: true },
    disabledReason: { type: String, required: false },
    disabledAt: { type: Date, required: false },
    secrets: { type: [signingSecretSchema], required: true },
    // Health (failures, circuit) lives in webhook_endpoints: endpoint-state.model.ts says why.
    /** Soft delete keeps delivery history readable; a deleted subscription gets nothing more. */
    deletedAt: { type: Date, required: false, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'webhook_subscriptions' },
);

webhookSubscriptionSchema.index({ workspaceId: 1, deletedAt: 1, createdAt: -1 });
webhookSubscriptionSchema.index({ workspaceId: 1, active: 1, events: 1 });

export type WebhookSubscriptionDoc = InferSchemaType<typeof webhookSubscriptionSchema> & { _id: string };
export const WebhookSubscriptionModel = model('WebhookSubscription', webhookSubscriptionSchema);
