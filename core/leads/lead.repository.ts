import type { LeadStatus } from './lead-status';
import { LeadModel, type LeadDoc } from './lead.model';
import { newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { insertOnce } from '../platform/insert-once';
import { inWorkspace } from '../platform/workspace-scoping';

export type LeadChanges = Partial<Pick<LeadDoc, 'status' | 'value'>> & { updatedAt: Date };
export type LeadContact = Partial<Pick<LeadDoc, 'email' | 'fullName' | 'phone'>>;

export const leadRepository = {
  /** The lead id is derived from the visitor, so a repeated creation collides instead of duplicating. */
  async insertIfAbsent(lead: LeadDoc): Promise<boolean> {
    return insertOnce(LeadModel, lead);
  },

  async findById(id: string): Promise<LeadDoc | null> {
    return LeadModel.findById(id).lean<LeadDoc>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<LeadDoc | null> {
    return inWorkspace(await this.findById(id), workspaceId);
  },

  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date; status?: LeadStatus }): Promise<LeadDoc[]> {
    return LeadModel.find({ workspaceId, ...(q.status ? { status: q.status } : {}), $and: [olderThan(q.before), sinceFilter(q.since)] })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<LeadDoc[]>();
  },

  /** A page of a workspace's leads in id order (walks such as a re-score). */
  async pageAfter(workspaceId: string, afterId: string | null, limit: number): Promise<LeadDoc[]> {
    return LeadModel.find({ workspaceId, ...(afterId ? { _id: { $gt: afterId } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<LeadDoc[]>();
  },

  async countInWorkspace(workspaceId: string): Promise<number> {
    return LeadModel.countDocuments({ workspaceId });
  },

  /** `$set` of the named fields only, so fields the pipeline maintains are never overwritten. */
  async update(id: string, changes: LeadChanges): Promise<LeadDoc | null> {
    await LeadModel.collection.updateOne({ _id: id as never }, { $set: changes });
    return this.findById(id);
  },

  /** Contact details the pipeline learned after creating the lead; status and value are the user's. */
  async setContact(id: string, contact: LeadContact): Promise<void> {
    await LeadModel.collection.updateOne({ _id: id as never }, { $set: contact });
  },
};
