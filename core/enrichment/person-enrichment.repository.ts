import { replaceOrInsert, upsertRetrying } from '../platform/insert-once';
import { PersonEnrichmentModel, type EnrichmentFields, type PersonEnrichmentDoc } from './person-enrichment.model';

export function personEnrichmentIdFor(visitorId: string, provider: string): string {
  return `${visitorId}:${provider}`;
}

export const personEnrichmentRepository = {
  /** Each provider's document read by `_id` (the only index FerretDB uses). */
  async findForPerson(visitorId: string, providers: readonly string[]): Promise<PersonEnrichmentDoc[]> {
    const docs = await Promise.all(providers.map((p) => PersonEnrichmentModel.findById(personEnrichmentIdFor(visitorId, p)).lean<PersonEnrichmentDoc>()));
    return docs.filter((d) => d !== null);
  },

  async saveResult(input: { workspaceId: string; visitorId: string; provider: string; inputKey: string | null; fields: EnrichmentFields; at: Date }): Promise<void> {
    const { workspaceId, visitorId, provider, inputKey, fields, at } = input;
    const doc: PersonEnrichmentDoc = { _id: personEnrichmentIdFor(visitorId, provider), workspaceId, visitorId, provider, status: 'ok', inputKey, fields, fetchedAt: at, lastError: null, updatedAt: at };
    await replaceOrInsert(PersonEnrichmentModel, doc);
  },

  async saveSkipped(input: { workspaceId: string; visitorId: string; provider: string; at: Date }): Promise<void> {
    const { workspaceId, visitorId, provider, at } = input;
    await upsertRetrying(() => PersonEnrichmentModel.collection.updateOne(
      { _id: personEnrichmentIdFor(visitorId, provider) as never },
      { $set: { status: 'skipped', inputKey: null, updatedAt: at }, $setOnInsert: { workspaceId, visitorId, provider, fields: null, fetchedAt: null, lastError: null } },
      { upsert: true },
    ));
  },

  /** A failed call keeps the previous answer (if any) and records why this one failed. */
  async saveError(input: { workspaceId: string; visitorId: string; provider: string; errorClass: string; message: string; at: Date }): Promise<void> {
    const { workspaceId, visitorId, provider, errorClass, message, at } = input;
    await upsertRetrying(() => PersonEnrichmentModel.collection.updateOne(
      { _id: personEnrichmentIdFor(visitorId, provider) as never },
      { $set: { status: 'error', lastError: { errorClass, message, at }, updatedAt: at }, $setOnInsert: { workspaceId, visitorId, provider, inputKey: null, fields: null, fetchedAt: null } },
      { upsert: true },
    ));
  },
};
