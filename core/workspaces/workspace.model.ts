import { Schema, model, type InferSchemaType } from 'mongoose';
import { plans } from '../events/event-catalogue';

const workspaceSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    plan: { type: String, enum: plans, required: true, default: 'pro' },
    /** Event types this workspace may subscribe to (plan gating lives here, not in code paths). */
    entitledEventTypes: { type: [String], required: true, default: [] },
    /** Per-key request limits; unset falls back to RATE_LIMIT_PER_MINUTE / _PER_DAY. */
    rateLimits: {
      perMinute: { type: Number, required: false },
      perDay: { type: Number, required: false },
    },
    /** Overrides of WEBHOOK_RETRY_SCHEDULE / WEBHOOK_TIMEOUT for this workspace's deliveries. */
    webhookSettings: {
      retryScheduleMs: { type: [Number], required: false, default: undefined },
      timeoutMs: { type: Number, required: false },
    },
    isDemo: { type: Boolean, required: true, default: false },
    /** Signs `user_hash` for identity verification (kept retrievable: the site's server needs it). */
    identitySecret: { type: String, required: false },
    /** Set by the provisioning workflow once the workspace's defaults are in place. */
    provisionedAt: { type: Date, required: false },
    provisioningWorkflowId: { type: String, required: false },
  },
  { timestamps: true, versionKey: false, collection: 'workspaces' },
);

workspaceSchema.index({ isDemo: 1 });

export type WorkspaceDoc = InferSchemaType<typeof workspaceSchema> & { _id: string };
export const WorkspaceModel = model('Workspace', workspaceSchema);
