import { IngestEventModel, type IngestEventDoc } from './ingest-event.model';
import { IngestOutboxModel, type IngestOutboxDoc } from './ingest-outbox.model';
import type { VisitorEvent } from '../visitors/visitor-types';
import { insertOnce } from '../platform/insert-once';

/** The ingest outbox (accepted, not yet applied) and the processed-event log. */
export const ingestRepository = {
  /** The durable write behind a 202. Returns false when an event with this id is already waiting. */
  async addToOutbox(event: VisitorEvent): Promise<boolean> {
    return insertOnce(IngestOutboxModel, toOutboxDoc(event));
  },

  /** Batch form: one round trip; returns the ids that were already waiting (duplicates). */
  async addManyToOutbox(events: VisitorEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    try {
      await IngestOutboxModel.collection.insertMany(events.map(toOutboxDoc) as never[], { ordered: false });
      return new Set();
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ index: number; code: number }> | { index: number; code: number } }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
      return new Set(list.map((e) => events[e.index].id));
    }
  },

  async isProcessed(id: string): Promise<boolean> {
    return (await IngestEventModel.collection.findOne({ _id: id as never }, { projection: { _id: 1 } })) !== null;
  },

  async removeFromOutbox(id: string): Promise<void> {
    await IngestOutboxModel.collection.deleteOne({ _id: id as never });
  },

  /** Entries older than the cutoff (and not before `notBefore`), oldest first: their hand-off to Temporal failed or is lost. */
  async findStale(olderThanDate: Date, limit: number, notBefore?: Date): Promise<IngestOutboxDoc[]> {
    return IngestOutboxModel.find({ receivedAt: { $lt: olderThanDate, ...(notBefore ? { $gte: notBefore } : {}) } })
      .sort({ receivedAt: 1 })
      .limit(limit)
      .lean<IngestOutboxDoc[]>();
  },

  /** Records that an event was applied; repeating it is harmless. */
  async recordProcessed(entry: Omit<IngestEventDoc, 'createdAt'>): Promise<void> {
    await insertOnce(IngestEventModel, { ...entry, createdAt: new Date() });
  },

  async deleteProcessedOlderThan(cutoff: Date): Promise<number> {
    return (await IngestEventModel.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  },
};

function toOutboxDoc(event: VisitorEvent): IngestOutboxDoc {
  return { _id: event.id, workspaceId: event.workspaceId, visitorId: event.visitorId, event, receivedAt: new Date(event.receivedAt) };
}
