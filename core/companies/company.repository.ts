import { isDuplicateKeyError } from '../platform/errors';
import { CompanyModel, type CompanyDoc } from './company.model';
import { newestFirstBy, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { companyIdFor } from '../visitors/visitor-ids';
import { databaseIsFerretDb } from '../platform/db';
import { resumable, type ResumeAt } from '../platform/resumable-walk';

/** How many visitor ids a company keeps (the most recently seen ones). */
export const COMPANY_VISITOR_IDS_CAP = 100;

export interface CompanyVisit {
  workspaceId: string;
  domain: string;
  name: string | null;
  visitorId: string;
  at: Date;
  pageVisit: boolean;
}

export const companyRepository = {
  /**
   * Upserts the company of `domain` and counts the visit. FerretDB runs updates as
   * read-then-write anyway, so this reads, computes and replaces by `_id`. Visitors of one
   * company have separate workflows, so two of them may race and one visit be lost (last
   * write wins); acceptable for these counters. A racing first insert is retried once.
   */
  async recordVisit(input: CompanyVisit): Promise<CompanyDoc> {
    try {
      return await applyVisit(input);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return applyVisit(input);
    }
  },

  async findById(id: string): Promise<CompanyDoc | null> {
    return CompanyModel.findById(id).lean<CompanyDoc>();
  },

  async findMany(ids: readonly string[]): Promise<Map<string, CompanyDoc>> {
    const docs = await Promise.all([...new Set(ids)].map((id) => this.findById(id)));
    return new Map(docs.filter((d): d is CompanyDoc => d !== null).map((d) => [d._id, d]));
  },

  /** A workspace's companies, read as they come by one query, resuming at `from` (see visitorRepository.streamVisitors). */
  stream(workspaceId: string, from: ResumeAt): AsyncIterable<CompanyDoc> {
    const afterId = databaseIsFerretDb() ? null : from.afterId;
    return resumable(CompanyModel.find({ workspaceId, ...(afterId ? { _id: { $gt: afterId } } : {}) }), from).lean<CompanyDoc[]>().cursor({ batchSize: 500 }) as AsyncIterable<CompanyDoc>;
  },

  async countInWorkspace(workspaceId: string): Promise<number> {
    return CompanyModel.countDocuments({ workspaceId });
  },

  /** Recently active first; by first activity when `byFirstActivity` (Salespanel's select_by_first_activity). */
  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date; byFirstActivity?: boolean }): Promise<CompanyDoc[]> {
    const field = q.byFirstActivity ? 'firstSeenAt' : 'lastSeenAt';
    return CompanyModel.find({ workspaceId, $and: [olderThan(q.before, field), sinceFilter(q.since, field)] })
      .sort(newestFirstBy(field))
      .limit(q.limit)
      .lean<CompanyDoc[]>();
  },
};

async function applyVisit(input: CompanyVisit): Promise<CompanyDoc> {
  const _id = companyIdFor(input.workspaceId, input.domain);
  const current = await CompanyModel.findById(_id).lean<CompanyDoc>();
  const next = withVisit(current, _id, input);
  await CompanyModel.collection.replaceOne({ _id: _id as never }, next, { upsert: true });
  return next;
}

/**
 * The company after one visit. `visitorIds` keeps the 100 most recently seen visitors, and a
 * visitor counts as new when it is not among them: exact up to 100 visitors; beyond that a
 * visitor returning after 100 others would be counted again.
 */
export function withVisit(current: CompanyDoc | null, _id: string, v: CompanyVisit): CompanyDoc {
  const known = current?.visitorIds ?? [];
  const isNew = !known.includes(v.visitorId);
  const visitorIds = [...known.filter((id) => id !== v.visitorId), v.visitorId].slice(-COMPANY_VISITOR_IDS_CAP);
  return {
    _id,
    workspaceId: v.workspaceId,
    domain: v.domain,
    name: current?.name ?? v.name,
    pageVisits: (current?.pageVisits ?? 0) + (v.pageVisit ? 1 : 0),
    visitorIds,
    visitorCount: (current?.visitorCount ?? 0) + (isNew ? 1 : 0),
    firstSeenAt: current && current.firstSeenAt < v.at ? current.firstSeenAt : v.at,
    lastSeenAt: current && current.lastSeenAt > v.at ? current.lastSeenAt : v.at,
    createdAt: current?.createdAt ?? new Date(),
  };
}
