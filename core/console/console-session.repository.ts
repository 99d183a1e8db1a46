import { ConsoleSessionModel, type ConsoleSessionDoc } from './console-session.model';

export type NewConsoleSession = Pick<ConsoleSessionDoc, '_id' | 'workspaceId' | 'keyId' | 'expiresAt'>;

/** Every read and write goes by `_id` (FerretDB uses no other index reliably). */
export const consoleSessionRepository = {
  async insert(doc: NewConsoleSession): Promise<void> {
    await ConsoleSessionModel.collection.insertOne({ ...doc, createdAt: new Date() } as never);
  },

  async findById(id: string): Promise<ConsoleSessionDoc | null> {
    return ConsoleSessionModel.findById(id).lean<ConsoleSessionDoc>();
  },

  async delete(id: string): Promise<void> {
    await ConsoleSessionModel.deleteOne({ _id: id });
  },

  /** Retention: sessions past their expiry (no TTL index: FerretDB has none). */
  async deleteExpired(now: Date): Promise<number> {
    return (await ConsoleSessionModel.collection.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  },
};
