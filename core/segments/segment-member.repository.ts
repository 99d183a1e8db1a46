import { olderThan, type Cursor } from '../platform/pagination';
import { SegmentMemberModel, type SegmentMemberDoc } from './segment-member.model';

/** Letters, digits and `_` only, so it fits a page cursor. */
const memberIdOf = (segmentId: string, visitorId: string) => `${segmentId}_${visitorId}`;

export const segmentMemberRepository = {
  /** Idempotent: a retried join rewrites the same row. */
  async add(input: Omit<SegmentMemberDoc, '_id'>): Promise<void> {
    const _id = memberIdOf(input.segmentId, input.visitorId);
    await SegmentMemberModel.collection.replaceOne({ _id: _id as never }, { ...input }, { upsert: true });
  },

  async remove(segmentId: string, visitorId: string): Promise<void> {
    await SegmentMemberModel.collection.deleteOne({ _id: memberIdOf(segmentId, visitorId) as never });
  },

  /** Newest members first; `limit + 1` rows tell whether there is a next page. */
  async page(workspaceId: string, segmentId: string, q: { limit: number; before?: Cursor }): Promise<SegmentMemberDoc[]> {
    return SegmentMemberModel.find({ workspaceId, segmentId, ...olderThan(q.before, 'since') })
      .sort({ since: -1, _id: -1 })
      .limit(q.limit)
      .lean<SegmentMemberDoc[]>();
  },

  async removeAllOf(segmentId: string): Promise<void> {
    await SegmentMemberModel.deleteMany({ segmentId });
  },
};
