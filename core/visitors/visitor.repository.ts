import { VisitorModel, type VisitorDoc } from './visitor.model';
import { newestFirstBy, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { inWorkspace } from '../platform/workspace-scoping';
import { databaseIsFerretDb } from '../platform/db';
import { insertManyOnce } from '../platform/insert-once';
import { resumable, type ResumeAt } from '../platform/resumable-walk';
import { visitorIdentityRepository } from './visitor-identity.repository';

/** A merge chain longer than this is a bug; stop following it rather than loop. */
const MAX_MERGE_HOPS = 5;

/**
 * Visitors. Writes come only from the visitor's own workflow (one writer per document), so a
 * whole-document replace is safe even on databases whose updates are read-then-write.
 */
export const visitorRepository = {
  async findById(id: string): Promise<VisitorDoc | null> {
    return VisitorModel.findById(id).lean<VisitorDoc>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<VisitorDoc | null> {
    return inWorkspace(await this.findById(id), workspaceId);
  },

  /**
   * Several visitors (the partition pipeline's batch): one `$in` query on MongoDB, parallel
   * `_id` lookups on FerretDB (databaseIsFerretDb). Those not stored are absent from the map.
   */
  async findMany(ids: readonly string[]): Promise<Map<string, VisitorDoc>> {
    if (ids.length === 0) return new Map();
    if (databaseIsFerretDb()) {
      const docs = await Promise.all(ids.map((id) => this.findById(id)));
      return new Map(docs.filter((doc): doc is VisitorDoc => doc !== null).map((doc) => [doc._id, doc]));
    }
    const docs = await VisitorModel.collection.find({ _id: { $in: [...ids] } as never }).toArray();
    return new Map(docs.map((doc) => [String(doc._id), doc as unknown as VisitorDoc]));
  },

  /**
   * Insert or replace several whole documents (each has one writer): one unordered bulk write on
   * MongoDB; on FerretDB (databaseIsFerretDb) one insert of those not `stored` (loaded from the
   * database before) and one replaceOne each, in parallel, for the others.
   */
  async saveMany(docs: readonly VisitorDoc[], stored: ReadonlySet<string>): Promise<void> {
    if (docs.length === 0) return;
    if (databaseIsFerretDb()) {
      // New visitors in one insert (a tenth of the cost of single ones there); one an earlier attempt already stored is replaced.
      const existed = await insertManyOnce(VisitorModel, docs.filter((doc) => !stored.has(doc._id)) as Array<VisitorDoc & { _id: string }>);
      await Promise.all(docs.filter((doc) => stored.has(doc._id) || existed.has(doc._id)).map((doc) => this.save(doc)));
      return;
    }
    await VisitorModel.collection.bulkWrite(
      docs.map((doc) => ({ replaceOne: { filter: { _id: doc._id as never }, replacement: doc as never, upsert: true } })),
      { ordered: false },
    );
  },

  /**
   * A workspace's visitors (not merged away; identified or not), read as they come by one query, resuming
   * at `from`: in `_id` order after `afterId` on MongoDB (its index walks there); on FerretDB, which
   * sorts nothing itself (it would read and sort them all before the first), in stored order
   * skipping the `skip` already read.
   */
  streamVisitors(workspaceId: string, from: ResumeAt): AsyncIterable<VisitorDoc> {
    return resumable(VisitorModel.find(walkFilter(workspaceId, databaseIsFerretDb() ? null : from.afterId)), from).lean<VisitorDoc[]>().cursor({ batchSize: 500 }) as AsyncIterable<VisitorDoc>;
  },

  async countVisitors(workspaceId: string): Promise<number> {
    return VisitorModel.countDocuments(walkFilter(workspaceId, null));
  },

  /** Insert or replace the whole document (the pipeline computes it in memory). */
  async save(doc: VisitorDoc): Promise<void> {
    await VisitorModel.collection.replaceOne({ _id: doc._id as never }, doc, { upsert: true });
  },

  /**
   * People, most recently active first (or by first activity). Merged visitors are shown
   * through the person they were merged into; visitors never seen on the site are left out.
   */
  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date; byFirstActivity?: boolean }): Promise<VisitorDoc[]> {
    const field = q.byFirstActivity ? 'firstSeenAt' : 'lastSeenAt';
    const seen = { lastSeenAt: { $ne: null }, ...(q.byFirstActivity ? { firstSeenAt: { $ne: null } } : {}) };
    return VisitorModel.find({ workspaceId, mergedInto: null, ...seen, $and: [olderThan(q.before, field), sinceFilter(q.since, field)] })
      .sort(newestFirstBy(field))
      .limit(q.limit)
      .lean<VisitorDoc[]>();
  },

  /**
   * A visitor by id, or by email (anything with `@`) through the identity that owns it, then
   * the surviving person when it was merged. Lookups by `_id` only; null when unknown here.
   */
  async findByIdentifier(workspaceId: string, idOrEmail: string): Promise<VisitorDoc | null> {
    const id = idOrEmail.includes('@') ? await visitorIdentityRepository.ownerOf(workspaceId, 'email', idOrEmail.toLowerCase()) : idOrEmail;
    let visitor = id ? await this.findInWorkspace(workspaceId, id) : null;
    for (let hop = 0; visitor?.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
      const survivor = await this.findInWorkspace(workspaceId, visitor.mergedInto);
      // The merge target is written by its own workflow; until it exists, show what we have.
      if (!survivor) break;
      visitor = survivor;
    }
    return visitor;
  },
};

function walkFilter(workspaceId: string, afterId: string | null) {
  return { workspaceId, mergedInto: null, ...(afterId ? { _id: { $gt: afterId } } : {}) };
}

