import { createHash } from 'node:crypto';
import { replaceOrInsert } from '../platform/insert-once';
import { EnrichmentCacheModel, type EnrichmentCacheDoc } from './enrichment-cache.model';

/** Emails are hashed into the id: the cache key says nothing a log reader should not see. */
function cacheIdFor(workspaceId: string, provider: string, key: string): string {
  return `${workspaceId}:${provider}:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

export const enrichmentCacheRepository = {
  /** The cached answer if it is still fresh at `now`. */
  async findFresh(workspaceId: string, provider: string, key: string, now: Date): Promise<EnrichmentCacheDoc | null> {
    const doc = await EnrichmentCacheModel.findById(cacheIdFor(workspaceId, provider, key)).lean<EnrichmentCacheDoc>();
    return doc && doc.expiresAt > now ? doc : null;
  },

  async put(input: { workspaceId: string; provider: string; key: string; fields: unknown; fetchedAt: Date; ttlMs: number }): Promise<void> {
    if (input.ttlMs <= 0) return;
    const doc: EnrichmentCacheDoc = { _id: cacheIdFor(input.workspaceId, input.provider, input.key), workspaceId: input.workspaceId, provider: input.provider, fields: input.fields, fetchedAt: input.fetchedAt, expiresAt: new Date(input.fetchedAt.getTime() + input.ttlMs) };
    await replaceOrInsert(EnrichmentCacheModel, doc);
  },

  /** Retention: removes expired answers (no TTL index: FerretDB has none). */
  async deleteExpired(now: Date): Promise<number> {
    const result = await EnrichmentCacheModel.collection.deleteMany({ expiresAt: { $lte: now } });
    return result.deletedCount;
  },
};
