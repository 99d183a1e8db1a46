import { ParkedEventModel, type ParkedEventDoc } from './parked-event.model';
import { newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import type { VisitorEvent } from '../visitors/visitor-types';
import { inWorkspace } from '../platform/workspace-scoping';

/** Longest error text kept: the reason, not a copy of the payload. */
const MAX_ERROR_CHARS = 1000;

export const parkedEventRepository = {
  /** Parks an event (again): keyed by the event id, so repeating it keeps one document; a replayed event counts on. */
  async park(event: VisitorEvent, error: { message: string; type: string }): Promise<void> {
    const { timesParked: before, ...stored } = event;
    await ParkedEventModel.collection.updateOne(
      { _id: event.id as never },
      {
        $set: {
          workspaceId: event.workspaceId,
          visitorId: event.visitorId,
          type: event.type,
          event: stored,
          error: error.message.slice(0, MAX_ERROR_CHARS),
          errorType: error.type,
          timesParked: (before ?? 0) + 1,
          createdAt: new Date(),
        },
      },
      { upsert: true },
    );
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<ParkedEventDoc | null> {
    return inWorkspace(await ParkedEventModel.findById(id).lean<ParkedEventDoc>(), workspaceId);
  },

  async list(workspaceId: string, q: { limit: number; before?: Cursor; since?: Date }): Promise<ParkedEventDoc[]> {
    return ParkedEventModel.find({ workspaceId, $and: [olderThan(q.before), sinceFilter(q.since)] })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<ParkedEventDoc[]>();
  },

  async remove(id: string): Promise<void> {
    await ParkedEventModel.collection.deleteOne({ _id: id as never });
  },
};
