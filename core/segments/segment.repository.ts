import { inWorkspace } from '../platform/workspace-scoping';
import { SegmentModel, type SegmentDoc } from './segment.model';

/** Segments, always read within the caller's workspace. */
export const segmentRepository = {
  async insert(doc: SegmentDoc): Promise<void> {
    await SegmentModel.collection.insertOne(doc as never);
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<SegmentDoc | null> {
    return inWorkspace(await SegmentModel.findById(id).lean<SegmentDoc>(), workspaceId);
  },

  /** Newest first. */
  async listForWorkspace(workspaceId: string, limit: number): Promise<SegmentDoc[]> {
    return SegmentModel.find({ workspaceId }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<SegmentDoc[]>();
  },

  /** A workspace's segments of one entity (at most MAX_SEGMENTS_PER_WORKSPACE). */
  async listForEntity(workspaceId: string, entity: SegmentDoc['entity']): Promise<SegmentDoc[]> {
    return SegmentModel.find({ workspaceId, entity }).lean<SegmentDoc[]>();
  },

  /** All of a workspace's segments, unordered (at most MAX_SEGMENTS_PER_WORKSPACE): one read for a scoring's person and company evaluations. */
  async listAll(workspaceId: string): Promise<SegmentDoc[]> {
    return SegmentModel.find({ workspaceId }).lean<SegmentDoc[]>();
  },

  async countForWorkspace(workspaceId: string): Promise<number> {
    return SegmentModel.countDocuments({ workspaceId });
  },

  async replace(doc: SegmentDoc): Promise<void> {
    await SegmentModel.collection.replaceOne({ _id: doc._id as never }, doc as never);
  },

  async remove(id: string): Promise<void> {
    await SegmentModel.collection.deleteOne({ _id: id as never });
  },
};
