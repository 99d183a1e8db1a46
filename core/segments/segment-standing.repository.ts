import type { AnyBulkWriteOperation } from 'mongodb';
import { writeEach } from '../platform/bulk-write';
import { databaseIsFerretDb } from '../platform/db';
import { insertManyOnce } from '../platform/insert-once';
import type { SegmentEntity } from './segment.model';
import { SegmentStandingsModel, type SegmentStanding, type SegmentStandingsDoc } from './segment-standing.model';

/** The entries of one subject's standings that an evaluation changed. */
export interface StandingsChange {
  id: string;
  workspaceId: string;
  entity: SegmentEntity;
  set: Record<string, SegmentStanding>;
  /** Segments that no longer exist. */
  unset: string[];
  /** Whether the subject's document was read and found: a new one is inserted in bulk instead. */
  exists: boolean;
  /** When given, the moment the sweep looks at this subject again (null: never). */
  expiresAt?: Date | null;
}

export const segmentStandingRepository = {
  async findById(id: string): Promise<SegmentStandingsDoc | null> {
    return SegmentStandingsModel.findById(id).lean<SegmentStandingsDoc>();
  },

  /** One `$in` on MongoDB; on FerretDB (which would read the whole collection for it) one `_id` read each. */
  async findMany(ids: readonly string[]): Promise<Map<string, SegmentStandingsDoc>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const docs = databaseIsFerretDb() ? await Promise.all(unique.map((id) => this.findById(id))) : await SegmentStandingsModel.find({ _id: { $in: unique } }).lean<SegmentStandingsDoc[]>();
    return new Map(docs.filter((d): d is SegmentStandingsDoc => d !== null).map((d) => [d._id, d]));
  },

  /** The segments each of these subjects is a member of (ids); absent: none. */
  async qualifiedFor(ids: readonly string[]): Promise<Map<string, string[]>> {
    const docs = await this.findMany(ids);
    return new Map([...docs].map(([id, d]) => [id, Object.entries(d.standings ?? {}).flatMap(([segmentId, s]) => (s.member ? [segmentId] : []))]));
  },

  /** Anonymous visitors whose earliest membership has ended by `now` (the minute sweep). */
  async expiredBy(now: Date, limit: number): Promise<SegmentStandingsDoc[]> {
    return SegmentStandingsModel.find({ entity: 'person', expiresAt: { $lte: now } }).limit(limit).lean<SegmentStandingsDoc[]>();
  },

  /** Subjects the sweep no longer times (identified since, or gone). */
  async clearExpiry(ids: readonly string[]): Promise<void> {
    await writeEach(SegmentStandingsModel.collection, ids.map((id) => ({ updateOne: { filter: { _id: id as never }, update: { $set: { expiresAt: null } } } })) as never);
  },

  /** A deleted segment's entries, everywhere (a rare operation; a scan on FerretDB). */
  async dropSegment(segmentId: string): Promise<void> {
    await SegmentStandingsModel.collection.updateMany({ [`standings.${segmentId}`]: { $exists: true } }, { $unset: { [`standings.${segmentId}`]: '' } });
  },

  /**
   * Writes only the changed entries. Subjects with no document yet get theirs in one bulk insert
   * (a tenth of the cost of single writes on FerretDB); one that appeared meanwhile is updated.
   */
  async apply(changes: readonly StandingsChange[], now: Date): Promise<void> {
    const fresh = changes.filter((c) => !c.exists && c.unset.length === 0);
    const appeared = await insertManyOnce(SegmentStandingsModel, fresh.map((c) => ({ _id: c.id, workspaceId: c.workspaceId, entity: c.entity, standings: c.set, expiresAt: c.expiresAt ?? null, updatedAt: now })));
    const updates = changes.filter((c) => c.exists || c.unset.length > 0 || appeared.has(c.id));
    const ops = updates.flatMap((c): AnyBulkWriteOperation[] => {
      const set = Object.fromEntries(Object.entries(c.set).map(([segmentId, s]) => [`standings.${segmentId}`, s]));
      const unset = Object.fromEntries(c.unset.map((segmentId) => [`standings.${segmentId}`, '']));
      if (Object.keys(set).length === 0 && Object.keys(unset).length === 0 && c.expiresAt === undefined) return [];
      const update = { $set: { ...set, workspaceId: c.workspaceId, entity: c.entity, updatedAt: now, ...(c.expiresAt !== undefined ? { expiresAt: c.expiresAt } : {}) }, ...(c.unset.length ? { $unset: unset } : {}) };
      return [{ updateOne: { filter: { _id: c.id as never }, update, upsert: true } }];
    });
    await writeEach(SegmentStandingsModel.collection, ops as never);
  },
};
