import { PersonSegmentsModel, type PersonSegmentsDoc } from './person-segments.model';

export const personSegmentsRepository = {
  async findById(visitorId: string): Promise<PersonSegmentsDoc | null> {
    return PersonSegmentsModel.findById(visitorId).lean<PersonSegmentsDoc>();
  },

  /** The person's pipeline is its only writer. */
  async save(doc: PersonSegmentsDoc): Promise<void> {
    await PersonSegmentsModel.collection.replaceOne({ _id: doc._id as never }, doc as never, { upsert: true });
  },
};
