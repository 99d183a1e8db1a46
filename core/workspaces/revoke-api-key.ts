import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import type { ApiKeyDoc } from './api-key.model';
import { forgetIngestCredentials } from '../ingest/ingest-key-cache';
import { apiKeyRepository } from './api-key.repository';

/** Revokes a key of the workspace; the next request with it gets 401. Revoking twice is a no-op. */
export async function revokeApiKey(_deps: Deps, { workspaceId, keyId }: { workspaceId: string; keyId: string }): Promise<ApiKeyDoc> {
  const key = await apiKeyRepository.revoke(workspaceId, keyId, new Date());
  if (!key) throw AppError.notFound('API key');
  forgetIngestCredentials();
  return key;
}
