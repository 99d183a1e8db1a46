import type { ApiKeyKind } from './api-keys';
import type { ApiKeyScope } from './scopes';
import { ApiKeyModel, type ApiKeyDoc } from './api-key.model';

export interface NewApiKey {
  _id: string;
  workspaceId: string;
  kind: ApiKeyKind;
  name: string;
  hash: string;
  displayPrefix: string;
  scopes: ApiKeyScope[];
}

export const apiKeyRepository = {
  async insert(key: NewApiKey): Promise<ApiKeyDoc> {
    const doc = await ApiKeyModel.create(key);
    return doc.toObject() as ApiKeyDoc;
  },

  /** The one lookup on the authentication path (unique index on `hash`). */
  async findByHash(hash: string): Promise<ApiKeyDoc | null> {
    return ApiKeyModel.findOne({ hash }).lean<ApiKeyDoc>();
  },

  async listForWorkspace(workspaceId: string): Promise<ApiKeyDoc[]> {
    return ApiKeyModel.find({ workspaceId }).sort({ createdAt: -1 }).lean<ApiKeyDoc[]>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<ApiKeyDoc | null> {
    return ApiKeyModel.findOne({ _id: id, workspaceId }).lean<ApiKeyDoc>();
  },

  /** Idempotent: revoking twice keeps the first revocation time. */
  async revoke(workspaceId: string, id: string, at: Date): Promise<ApiKeyDoc | null> {
    await ApiKeyModel.updateOne({ _id: id, workspaceId, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
    return this.findInWorkspace(workspaceId, id);
  },

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await ApiKeyModel.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
  },
};
