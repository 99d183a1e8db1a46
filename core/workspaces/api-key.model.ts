import { Schema, model, type InferSchemaType } from 'mongoose';
import { apiKeyKinds } from './api-keys';
import { apiKeyScopes } from './scopes';

const apiKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    kind: { type: String, enum: apiKeyKinds, required: true },
    name: { type: String, required: true },
    /** SHA-256 of the key; the key itself is never stored. */
    hash: { type: String, required: true },
    displayPrefix: { type: String, required: true },
    /** Empty means every scope the kind allows. */
    scopes: { type: [String], enum: apiKeyScopes, required: true, default: [] },
    lastUsedAt: { type: Date, required: false },
    revokedAt: { type: Date, required: false },
  },
  { timestamps: true, versionKey: false, collection: 'api_keys' },
);

apiKeySchema.index({ hash: 1 }, { unique: true });
apiKeySchema.index({ workspaceId: 1, createdAt: -1 });

export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: string };
export const ApiKeyModel = model('ApiKey', apiKeySchema);
