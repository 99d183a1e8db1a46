import type { FieldErrors } from '../platform/errors';
import { newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { inWorkspace } from '../platform/workspace-scoping';
import { FailedEventModel, type FailedEventDoc } from './failed-event.model';

export const failedEventRepository = {
  /** Keyed by the event id the emitter chose, so a repeated attempt keeps one record. */
  async record(event: { id: string; workspaceId: string; type: string; data: unknown; errors: FieldErrors }): Promise<void> {
    const issues = Object.entries(event.errors).map(([field, messages]) => ({ field, messages }));
    await FailedEventModel.collection.updateOne(
      { _id: event.id as never },
      { $set: { workspaceId: event.workspaceId, type: event.type, data: event.data ?? null, issues }, $setOnInsert: { createdAt: new Date() } },
      { upsert: true },
    );
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<FailedEventDoc | null> {
    return inWorkspace(await FailedEventModel.findById(id).lean<FailedEventDoc>(), workspaceId);
  },

  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date }): Promise<FailedEventDoc[]> {
    return FailedEventModel.find({ workspaceId, $and: [olderThan(q.before), sinceFilter(q.since)] })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<FailedEventDoc[]>();
  },
};
