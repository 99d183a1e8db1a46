import { Schema, model, type InferSchemaType } from 'mongoose';

/** `link`: the one-time token of a portal URL; `session`: what exchanging it opens (the cookie). */
export const portalSessionKinds = ['link', 'session'] as const;

const portalSessionSchema = new Schema(
  {
    /** SHA-256 of the link token or the session id; the secret itself is never stored. */
    _id: { type: String, required: true },
    kind: { type: String, enum: portalSessionKinds, required: true },
    workspaceId: { type: String, required: true },
    /** The only subscriptions this link or session may see or act on. */
    subscriptionIds: { type: [String], required: true },
    /** No TTL index on FerretDB: expiry is checked on every read; retention deletes what expired. */
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, collection: 'portal_sessions' },
);

portalSessionSchema.index({ expiresAt: 1 });

export type PortalSessionDoc = InferSchemaType<typeof portalSessionSchema> & { _id: string };
export const PortalSessionModel = model('PortalSession', portalSessionSchema);
