import { isDuplicateKeyError } from '../errors';
import { VisitorIdentityModel, type VisitorIdentityDoc } from '../models/visitor-identity.model';
import { identityIdFor } from '../visitors/visitor-ids';

export const visitorIdentityRepository = {
  /** Claims an email or customer id for a visitor; returns the owner (this visitor if the claim won). */
  async claim(workspaceId: string, kind: 'email' | 'customer', value: string, visitorId: string): Promise<string> {
    const _id = identityIdFor(workspaceId, kind, value);
    try {
      await VisitorIdentityModel.collection.insertOne({ _id, workspaceId, kind, value, visitorId, createdAt: new Date() } as never);
      return visitorId;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const owner = await VisitorIdentityModel.findById(_id).lean<VisitorIdentityDoc>();
      if (!owner) throw err;
      return owner.visitorId;
    }
  },

  async ownerOf(workspaceId: string, kind: 'email' | 'customer', value: string): Promise<string | null> {
    const doc = await VisitorIdentityModel.findById(identityIdFor(workspaceId, kind, value)).lean<VisitorIdentityDoc>();
    return doc?.visitorId ?? null;
  },
};
