import { Schema, model, type InferSchemaType } from 'mongoose';

/** A signed-in console (the operator's browser). The cookie holds the session id; only its SHA-256 is stored. */
const consoleSessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    /** The secret key signed in with, re-read on every request (revoking it ends the session); null: the admin token. */
    keyId: { type: String, required: false, default: null },
    /** No TTL index on FerretDB: expiry is checked on every read; retention deletes what expired. */
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, collection: 'console_sessions' },
);

consoleSessionSchema.index({ expiresAt: 1 });

export type ConsoleSessionDoc = InferSchemaType<typeof consoleSessionSchema> & { _id: string };
export const ConsoleSessionModel = model('ConsoleSession', consoleSessionSchema);
