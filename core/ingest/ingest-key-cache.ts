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
/** Known keys and unknown ones in separate maps, so a flood of made-up keys cannot evict good entries. */
const known = new Map<string, { credential: IngestCredential; until: number }>();
const unknown = new Map<string, number>();

/**
 * Ingest authenticates every event, so each API process keeps what it looked up for
 * INGEST_KEY_CACHE_TTL (unknown keys too, so repeating a bad token costs no queries). A key
 * revoked elsewhere stops working within the TTL; revoking through this process drops it now.
 * `beforeLookup` runs only when the database must be asked (the caller's per-IP failure limit).
 */
export async function findIngestCredential(plaintext: string, ttlMs: number, beforeLookup: () => Promise<void> = async () => undefined): Promise<IngestCredential | null> {
  const hash = hashApiKey(plaintext);
  const now = Date.now();
  const hit = known.get(hash);
  if (hit && hit.until > now) return hit.credential;
  if ((unknown.get(hash) ?? 0) > now) return null;
  await beforeLookup();
  const key = await apiKeyRepository.findByHash(hash);
  const workspace = key && !key.revokedAt ? await workspaceRepository.findByIdCached(key.workspaceId) : null;
  if (key && workspace) remember(known, hash, { credential: { key, workspace }, until: now + ttlMs });
  else remember(unknown, hash, now + ttlMs);
  return key && workspace ? { key, workspace } : null;
}

function remember<V>(map: Map<string, V>, hash: string, value: V): void {
  map.delete(hash);
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
  map.set(hash, value);
}

export function forgetIngestCredentials(): void {
  known.clear();
  unknown.clear();
}
