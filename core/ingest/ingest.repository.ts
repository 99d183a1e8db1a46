import { IngestEventModel, type IngestEventDoc } from './ingest-event.model';
import { IngestOutboxModel, type IngestOutboxDoc } from './ingest-outbox.model';
import type { VisitorEvent } from '../visitors/visitor-types';
import { insertManyOnce, insertOnce } from '../platform/insert-once';
import { GroupCommit } from '../platform/group-commit';
import { databaseIsFerretDb } from '../platform/db';
import { nextSeq, routeOf } from './ingest-partition';

/**
 * The write behind a 202: acknowledged by a majority of a replica set and journaled, so an
 * accepted event survives a primary failover. (A standalone MongoDB and FerretDB treat it as their
 * own durable write.)
 */
const ACCEPTED_DURABLY = { w: 'majority', j: true } as const;

/** The ingest outbox (accepted, not yet applied) and the processed-event log. */
export const ingestRepository = {
  /**
   * The durable write behind a 202. Returns false when an event with this id is already waiting.
   * Concurrent calls share one insertMany (group commit): a single insert costs FerretDB about ten
   * times its share of a bulk one, and a busy API accepts many single events at once.
   */
  async addToOutbox(event: VisitorEvent): Promise<boolean> {
    const outcome = await singleWrites.write(event);
    if (typeof outcome === 'object') throw new Error(`the database refused event ${event.id}: ${outcome.refused}`);
    return outcome === 'inserted';
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

  /**
   * Hands events to another visitor's partition by rewriting their rows to that visitor (its
   * route; the event as given): a merged visitor's remaining events, or a parked event replayed.
   * A row keeps its place in the hand-over order (its `seq`, and on FerretDB its place in the
   * table); a merge instruction rides in the row of the event after it (`before`), so it is
   * applied first wherever the batches split. Upserts, so a row already applied and cleared comes
   * back (the visitor drops what it holds).
   */
  async requeue(events: VisitorEvent[]): Promise<void> {
    const rows: Array<{ event: VisitorEvent; before: VisitorEvent[] }> = [];
    let instructions: VisitorEvent[] = [];
    for (const event of events) {
      if (event.type === 'merge_visitor') instructions.push(event);
      else {
        rows.push({ event, before: instructions });
        instructions = [];
      }
    }
    for (const instruction of instructions) rows.push({ event: instruction, before: [] });
    await Promise.all(
      rows.map(({ event, before }) => {
        const { _id, seq, receivedAt, ...moved } = toOutboxDoc(event);
        const update = { $set: { ...moved, before }, $setOnInsert: { seq, receivedAt } };
        return IngestOutboxModel.collection.updateOne({ _id: _id as never }, update as never, { upsert: true, writeConcern: ACCEPTED_DURABLY });
      }),
    );
  },

  /**
   * A partition's oldest rows, in hand-over order. MongoDB walks the `seq` index. FerretDB reads
   * the table in its own order (insertion order) and stops after `limit` matches: sorting would
   * read and decode every row of the outbox for each poll (≈ 0.1 ms a row), so a backlog would
   * slow its own draining down. The rows found are put in `seq` order.
   */
  async nextForPartition(partition: number, partitions: number, limit: number): Promise<IngestOutboxDoc[]> {
    const filter = { route: { $mod: [partitions, partition] as [number, number] } };
    if (!databaseIsFerretDb()) return IngestOutboxModel.find(filter).sort({ seq: 1 }).limit(limit).lean<IngestOutboxDoc[]>();
    const rows = await IngestOutboxModel.find(filter).limit(limit).lean<IngestOutboxDoc[]>();
    return rows.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  },

  /** Rows written before partitions polled the outbox have no route: gives them one (oldest first), so a partition finds them. */
  async routeUnrouted(limit: number): Promise<number> {
    const rows = await IngestOutboxModel.find({ route: { $exists: false } }).sort({ receivedAt: 1 }).limit(limit).lean<IngestOutboxDoc[]>();
    for (const row of rows) await IngestOutboxModel.collection.updateOne({ _id: row._id as never }, { $set: { route: routeOf(row.workspaceId, row.visitorId), seq: nextSeq() } });
    return rows.length;
  },

  async isProcessed(id: string): Promise<boolean> {
    return (await IngestEventModel.collection.findOne({ _id: id as never }, { projection: { _id: 1 } })) !== null;
  },

  async removeFromOutbox(id: string): Promise<void> {
    await IngestOutboxModel.collection.deleteOne({ _id: id as never });
  },

  /**
   * Clears applied events from the outbox: one deleteMany on MongoDB; on FerretDB
   * (databaseIsFerretDb), which reads the whole collection for `$in` (≈ 0.1 ms a row against
   * ≈ 1 ms per `_id` delete), the same only when the caller knows the outbox to be small, else
   * parallel `_id` deletes.
   */
  async removeManyFromOutbox(ids: readonly string[], opts: { outboxIsSmall?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    if (databaseIsFerretDb() && !(opts.outboxIsSmall && ids.length > 1)) {
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

/** addToOutbox's group commit: each event inserted, already waiting, or refused by the database (its reason). */
const singleWrites = new GroupCommit<VisitorEvent, 'inserted' | 'duplicate' | { refused: string }>(
  async (events) => {
    // The same id twice in one group (a repeated messageId in flight): the first copy is the one stored.
    const first = new Map<string, VisitorEvent>();
    for (const event of events) if (!first.has(event.id)) first.set(event.id, event);
    const { duplicates, failed } = await ingestRepository.addManyToOutbox([...first.values()]);
    return events.map((event) => {
      const reason = failed.get(event.id);
      if (reason !== undefined) return { refused: reason };
      return first.get(event.id) === event && !duplicates.has(event.id) ? 'inserted' : 'duplicate';
    });
  },
  { maxBatch: 500, maxInFlight: 4 },
);

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
  return { _id: event.id, workspaceId: event.workspaceId, visitorId: event.visitorId, event, receivedAt: new Date(event.receivedAt), route: routeOf(event.workspaceId, event.visitorId), seq: nextSeq() };
}
