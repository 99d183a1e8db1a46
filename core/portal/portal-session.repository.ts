import { PortalSessionModel, type PortalSessionDoc } from './portal-session.model';

export type NewPortalSession = Pick<PortalSessionDoc, '_id' | 'kind' | 'workspaceId' | 'subscriptionIds' | 'expiresAt'>;

/** Every read and write goes by `_id` (FerretDB uses no other index reliably). */
export const portalSessionRepository = {
  async insert(doc: NewPortalSession): Promise<void> {
    await PortalSessionModel.collection.insertOne({ ...doc, createdAt: new Date() } as never);
  },

  async findById(id: string): Promise<PortalSessionDoc | null> {
    return PortalSessionModel.findById(id).lean<PortalSessionDoc>();
  },

  /** True for exactly one caller: a delete by `_id` is atomic on FerretDB, an update is not. */
  async claim(id: string): Promise<boolean> {
    const res = await PortalSessionModel.deleteOne({ _id: id });
    return res.deletedCount === 1;
  },

  /** Retention: links and sessions past their expiry (no TTL index: FerretDB has none). */
  async deleteExpired(now: Date): Promise<number> {
    return (await PortalSessionModel.collection.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  },
};
