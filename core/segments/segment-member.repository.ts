import type { AnyBulkWriteOperation } from 'mongodb';
import { writeEach } from '../platform/bulk-write';
import { insertManyOnce } from '../platform/insert-once';
import { olderThan, type Cursor } from '../platform/pagination';
import { SegmentMemberModel, type SegmentMemberDoc } from './segment-member.model';

/** Letters, digits and `_` only, so it fits a page cursor. */
const rowIdOf = (segmentId: string, memberId: string) => `${segmentId}_${memberId}`;

export type MembershipChange = { join: Omit<SegmentMemberDoc, '_id'> } | { leave: { segmentId: string; memberId: string } };

export const segmentMemberRepository = {
  /**
   * Joins (one bulk insert; a row that exists, from a retry, is rewritten) and leaves. Idempotent.
   */
  async apply(changes: readonly MembershipChange[]): Promise<void> {
    const rows = changes.flatMap((c) => ('join' in c ? [{ _id: rowIdOf(c.join.segmentId, c.join.memberId), ...c.join }] : []));
    const existing = await insertManyOnce(SegmentMemberModel, rows);
    const ops = [
      ...rows.filter((r) => existing.has(r._id)).map((r): AnyBulkWriteOperation => ({ replaceOne: { filter: { _id: r._id as never }, replacement: r as never, upsert: true } })),
      ...changes.flatMap((c): AnyBulkWriteOperation[] => ('leave' in c ? [{ deleteOne: { filter: { _id: rowIdOf(c.leave.segmentId, c.leave.memberId) as never } } }] : [])),
    ];
    await writeEach(SegmentMemberModel.collection, ops as never);
  },

  /** Every current member's id (a backfill compares them with what it finds). */
  async memberIdsOf(segmentId: string): Promise<Set<string>> {
    const rows = await SegmentMemberModel.find({ segmentId }, { memberId: 1 }).lean<Pick<SegmentMemberDoc, 'memberId'>[]>();
    return new Set(rows.map((r) => r.memberId));
  },

  async countOf(segmentId: string): Promise<number> {
    return SegmentMemberModel.countDocuments({ segmentId });
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
