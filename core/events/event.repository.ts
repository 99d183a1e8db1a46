import { EventModel, type EventDoc } from './event.model';
import { newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { inWorkspace } from '../platform/workspace-scoping';

export type NewEvent = Pick<EventDoc, '_id' | 'workspaceId' | 'type' | 'data' | 'createdAt'> & { testForSubscriptionId?: string };

export const eventRepository = {
  async insert(event: NewEvent): Promise<EventDoc> {
    return (await EventModel.create({ ...event, fannedOutAt: null })).toObject() as EventDoc;
  },

  async findById(id: string): Promise<EventDoc | null> {
    return EventModel.findById(id).lean<EventDoc>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<EventDoc | null> {
    return inWorkspace(await this.findById(id), workspaceId);
  },

  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date; type?: string }): Promise<EventDoc[]> {
    return EventModel.find({ workspaceId, ...(q.type ? { type: q.type } : {}), $and: [olderThan(q.before), sinceFilter(q.since)] })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<EventDoc[]>();
  },

  /** When each of the workspace's events since `from` was created (only that field: the stats bucket them). */
  async createdTimesSince(workspaceId: string, from: Date): Promise<Date[]> {
    const rows = await EventModel.find({ workspaceId, createdAt: { $gte: from } }, { createdAt: 1 }).lean<Array<{ createdAt: Date }>>();
    return rows.map((r) => r.createdAt);
  },

  async markFannedOut(id: string, at: Date): Promise<void> {
    await EventModel.updateOne({ _id: id }, { $set: { fannedOutAt: at } });
  },

  /** The outbox: events stored but not yet fanned out (a crash between the two steps). */
  async findNotFannedOut(olderThanDate: Date, limit: number): Promise<EventDoc[]> {
    return EventModel.find({ fannedOutAt: null, createdAt: { $lt: olderThanDate } }).sort({ createdAt: 1 }).limit(limit).lean<EventDoc[]>();
  },

  /** Retention; `keep` are events a pending delivery still needs. */
  async deleteOlderThan(cutoff: Date, keep: readonly string[] = []): Promise<number> {
    return (await EventModel.deleteMany({ createdAt: { $lt: cutoff }, ...(keep.length ? { _id: { $nin: keep } } : {}) })).deletedCount;
  },
};
