import { SegmentBackfillModel, type SegmentBackfillDoc } from './segment-backfill.model';

export const segmentBackfillRepository = {
  async findById(segmentId: string): Promise<SegmentBackfillDoc | null> {
    return SegmentBackfillModel.findById(segmentId).lean<SegmentBackfillDoc>();
  },

  /** A new backfill (a newer version) replaces whatever an older one recorded. */
  async begin(doc: SegmentBackfillDoc): Promise<void> {
    await SegmentBackfillModel.collection.replaceOne({ _id: doc._id as never }, doc, { upsert: true });
  },

  /** Progress of the run of `version`; a superseded run's write matches nothing. */
  async progress(segmentId: string, version: number, progress: Partial<Pick<SegmentBackfillDoc, 'status' | 'processed' | 'total' | 'qualified' | 'finishedAt'>>): Promise<void> {
    await SegmentBackfillModel.collection.updateOne({ _id: segmentId as never, version }, { $set: progress });
  },

  /** The count made while it runs; a backfill already completed has its exact total. */
  async countedTotal(segmentId: string, version: number, total: number): Promise<void> {
    await SegmentBackfillModel.collection.updateOne({ _id: segmentId as never, version, status: 'running' }, { $set: { total } });
  },

  async remove(segmentId: string): Promise<void> {
    await SegmentBackfillModel.collection.deleteOne({ _id: segmentId as never });
  },
};
