import { IngestEventModel, type IngestEventDoc } from './ingest-event.model';
import { IngestOutboxModel, type IngestOutboxDoc } from './ingest-outbox.model';
import type { VisitorEvent } from '../visitors/visitor-types';
import { insertManyOnce, insertOnce } from '../platform/insert-once';
import { databaseIsFerretDb } from '../platform/db';

/**
 * The write behind a 202: acknowledged by a majority of a replica set and journaled, so an
 * accepted event survives a primary failover. (A standalone MongoDB and FerretDB treat it as their
 * own durable write.)
 */
const ACCEPTED_DURABLY = { w: 'majority', j: true } as const;

/** The ingest outbox (accepted, not yet applied) and the processed-event log. */
export const ingestRepository = {
  /** The durable write behind a 202. Returns false when an event with this id is already waiting. */
  async addToOutbox(event: VisitorEvent): Promise<boolean> {
    return insertOnce(IngestOutboxModel, toOutboxDoc(event), ACCEPTED_DURABLY);
  },

  /**
   * Batch form: one round trip, unordered, so one refused document does not stop the others.
   * Returns the ids that were already waiting (duplicates) and those the database refused, with
   * its reason; an error that is not per document (the database is unreachable) is thrown.
   */
  async addManyToOutbox(events: VisitorEvent[]): Promise<{ duplicates: Set<string>; failed: Map<string, string> }> {
    const duplicates = new Set<string>();
    const failed = new Map<string, string>();
    if (events.length === 0) return { duplicates, failed };
    try {
      await IngestOutboxModel.collection.insertMany(events.map(toOutboxDoc) as never[], { ordered: false, writeConcern: ACCEPTED_DURABLY });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: WriteError[] | WriteError }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (list.length === 0) throw err;
      for (const e of list) {
        const id = events[e.index].id;
        if (e.code === 11000) duplicates.add(id);
        else failed.set(id, String(e.errmsg ?? 'write refused').slice(0, 200));
      }
    }
    return { duplicates, failed };
  },

  async isProcessed(id: string): Promise<boolean> {
    return (await IngestEventModel.collection.findOne({ _id: id as never }, { projection: { _id: 1 } })) !== null;
  },

  async removeFromOutbox(id: string): Promise<void> {
    await IngestOutboxModel.collection.deleteOne({ _id: id as never });
  },

  /** Clears applied events from the outbox: one deleteMany on MongoDB, parallel `_id` deletes on FerretDB (databaseIsFerretDb). */
  async removeManyFromOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    if (databaseIsFerretDb()) {
      await Promise.all(ids.map((id) => IngestOutboxModel.collection.deleteOne({ _id: id as never })));
      return;
    }
    await IngestOutboxModel.collection.deleteMany({ _id: { $in: [...ids] } as never });
  },

  /** The workspace's accepted events not yet applied, and when the oldest of them arrived (its lag). */
  async backlogOf(workspaceId: string): Promise<{ waiting: number; oldestReceivedAt: Date | null }> {
    const [waiting, oldest] = await Promise.all([
      IngestOutboxModel.countDocuments({ workspaceId }),
      IngestOutboxModel.findOne({ workspaceId }, { receivedAt: 1 }).sort({ receivedAt: 1 }).lean<Pick<IngestOutboxDoc, 'receivedAt'>>(),
    ]);
    return { waiting, oldestReceivedAt: oldest?.receivedAt ?? null };
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

  /** Batch form of recordProcessed: one unordered insert; entries already recorded are skipped. */
  async recordManyProcessed(entries: ReadonlyArray<Omit<IngestEventDoc, 'createdAt'>>): Promise<void> {
    const createdAt = new Date();
    await insertManyOnce(IngestEventModel, entries.map((entry) => ({ ...entry, createdAt })));
  },

  async deleteProcessedOlderThan(cutoff: Date): Promise<number> {
    return (await IngestEventModel.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  },
};

interface WriteError {
  index: number;
  code: number;
  errmsg?: string;
}

/** The processed-log entry of an applied event (`appliedTo`: the visitor it landed on, after merges). */
export function processedEntryOf(event: VisitorEvent, appliedTo: string, appliedAt: Date): Omit<IngestEventDoc, 'createdAt'> {
  return { _id: event.id, workspaceId: event.workspaceId, visitorId: event.visitorId, type: event.type, messageId: event.messageId, receivedAt: new Date(event.receivedAt), appliedAt, appliedTo };
}

function toOutboxDoc(event: VisitorEvent): IngestOutboxDoc {
  return { _id: event.id, workspaceId: event.workspaceId, visitorId: event.visitorId, event, receivedAt: new Date(event.receivedAt) };
}
