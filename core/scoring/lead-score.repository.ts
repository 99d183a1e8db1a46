import { olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { replaceOrInsert } from '../platform/insert-once';
import { LeadScoreModel, type LeadGrade, type LeadScoreDoc } from './lead-score.model';

export const leadScoreRepository = {
  async findById(leadId: string): Promise<LeadScoreDoc | null> {
    return LeadScoreModel.findById(leadId).lean<LeadScoreDoc>();
  },

  async findMany(leadIds: readonly string[]): Promise<Map<string, LeadScoreDoc>> {
    const docs = await Promise.all(leadIds.map((id) => this.findById(id)));
    return new Map(docs.filter((d) => d !== null).map((d) => [d._id, d]));
  },

  async save(doc: LeadScoreDoc): Promise<void> {
    await replaceOrInsert(LeadScoreModel, doc);
  },

  /** Lead ids of one grade, newest lead first (the leads list's order and cursor). */
  async listByGrade(workspaceId: string, grade: LeadGrade, q: { limit: number; before?: Cursor; since?: Date }): Promise<LeadScoreDoc[]> {
    return LeadScoreModel.find({ workspaceId, grade, $and: [olderThan(q.before, 'leadCreatedAt'), sinceFilter(q.since, 'leadCreatedAt')] })
      .sort({ leadCreatedAt: -1, _id: -1 })
      .limit(q.limit)
      .lean<LeadScoreDoc[]>();
  },
};
