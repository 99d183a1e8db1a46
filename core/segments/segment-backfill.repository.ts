import { SegmentBackfillModel, type SegmentBackfillDoc } from './segment-backfill.model';

/** Which backfill run writes: the segment, its rules version, and the run (see BackfillTarget). */
interface BackfillRun {
  segmentId: string;
  version: number;
  runKey: string;
}

export const segmentBackfillRepository = {
  async findById(segmentId: string): Promise<SegmentBackfillDoc | null> {
    return SegmentBackfillModel.findById(segmentId).lean<SegmentBackfillDoc>();
  },

  /** A new backfill (a newer version) replaces whatever an older one recorded. */
  async begin(doc: SegmentBackfillDoc): Promise<void> {
    await SegmentBackfillModel.collection.replaceOne({ _id: doc._id as never }, doc, { upsert: true });
  },

  /** Progress of one run; a superseded run's write matches nothing. */
  async progress(run: BackfillRun, progress: Partial<Pick<SegmentBackfillDoc, 'status' | 'processed' | 'total' | 'qualified' | 'finishedAt'>>): Promise<void> {
    await SegmentBackfillModel.collection.updateOne({ _id: run.segmentId as never, version: run.version, runKey: run.runKey }, { $set: progress });
  },

  /** The count made while it runs; a backfill already completed has its exact total. */
  async countedTotal(run: BackfillRun, total: number): Promise<void> {
    await SegmentBackfillModel.collection.updateOne({ _id: run.segmentId as never, version: run.version, runKey: run.runKey, status: 'running' }, { $set: { total } });
  },

  async remove(segmentId: string): Promise<void> {
    await SegmentBackfillModel.collection.deleteOne({ _id: segmentId as never });
  },
};
