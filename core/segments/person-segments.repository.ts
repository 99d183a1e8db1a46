import { PersonSegmentsModel, type PersonSegmentsDoc } from './person-segments.model';

export const personSegmentsRepository = {
  async findById(visitorId: string): Promise<PersonSegmentsDoc | null> {
    return PersonSegmentsModel.findById(visitorId).lean<PersonSegmentsDoc>();
  },

  /** The segments each of these people is a member of (ids), in segment order; absent: none. */
  async qualifiedFor(visitorIds: readonly string[]): Promise<Map<string, string[]>> {
    const docs = await Promise.all([...new Set(visitorIds)].map((id) => this.findById(id)));
    return new Map(docs.filter((d): d is PersonSegmentsDoc => d !== null).map((d) => [d._id, d.segments.filter((s) => s.member).map((s) => s.id)]));
  },

  /** The person's pipeline is its only writer. */
  async save(doc: PersonSegmentsDoc): Promise<void> {
    await PersonSegmentsModel.collection.replaceOne({ _id: doc._id as never }, doc as never, { upsert: true });
  },
};
