import { newId } from '../platform/ids';
import { newestFirst, olderThan, type Cursor } from '../platform/pagination';
import { EnrichmentCallModel, type EnrichmentCallDoc } from './enrichment-call.model';

export const enrichmentCallRepository = {
  async record(call: Omit<EnrichmentCallDoc, '_id'>): Promise<void> {
    await EnrichmentCallModel.collection.insertOne({ _id: newId('enc') as never, ...call });
  },

  async listForPerson(workspaceId: string, visitorId: string, q: { limit: number; before?: Cursor }): Promise<EnrichmentCallDoc[]> {
    return EnrichmentCallModel.find({ workspaceId, visitorId, ...olderThan(q.before) })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<EnrichmentCallDoc[]>();
  },

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await EnrichmentCallModel.collection.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  },
};
