import { hashApiKey } from '../workspaces/api-keys';
import type { ApiKeyDoc } from '../workspaces/api-key.model';
import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { apiKeyRepository } from '../workspaces/api-key.repository';
import { workspaceRepository } from '../workspaces/workspace.repository';

export interface IngestCredential {
  key: ApiKeyDoc;
  workspace: WorkspaceDoc;
}

const MAX_ENTRIES = 10_000;
const cache = new Map<string, { credential: IngestCredential | null; until: number }>();

/**
 * Ingest authenticates every event, so each API process keeps what it looked up for
 * INGEST_KEY_CACHE_TTL (unknown keys too, so a flood of bad tokens costs no queries). A key
 * revoked elsewhere stops working within the TTL; revoking through this process drops it now.
 */
export async function findIngestCredential(plaintext: string, ttlMs: number): Promise<IngestCredential | null> {
  const hash = hashApiKey(plaintext);
  const hit = cache.get(hash);
  if (hit && hit.until > Date.now()) return hit.credential;
  const key = await apiKeyRepository.findByHash(hash);
  const workspace = key && !key.revokedAt ? await workspaceRepository.findByIdCached(key.workspaceId) : null;
  const credential = key && workspace ? { key, workspace } : null;
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(hash, { credential, until: Date.now() + ttlMs });
  return credential;
}

export function forgetIngestCredentials(): void {
  cache.clear();
}
