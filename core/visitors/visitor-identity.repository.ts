import { VisitorIdentityModel, type VisitorIdentityDoc } from './visitor-identity.model';
import { identityIdFor } from './visitor-ids';
import { insertOnce } from '../platform/insert-once';

export const visitorIdentityRepository = {
  /** Claims an email or customer id for a visitor; returns the owner (this visitor if the claim won). */
  async claim(workspaceId: string, kind: 'email' | 'customer', value: string, visitorId: string): Promise<string> {
    const _id = identityIdFor(workspaceId, kind, value);
    if (await insertOnce(VisitorIdentityModel, { _id, workspaceId, kind, value, visitorId, createdAt: new Date() })) return visitorId;
    const owner = await VisitorIdentityModel.findById(_id).lean<VisitorIdentityDoc>();
    // Identities are never deleted, so a collision always leaves an owner to read.
    return owner?.visitorId ?? visitorId;
  },

  async ownerOf(workspaceId: string, kind: 'email' | 'customer', value: string): Promise<string | null> {
    const doc = await VisitorIdentityModel.findById(identityIdFor(workspaceId, kind, value)).lean<VisitorIdentityDoc>();
    return doc?.visitorId ?? null;
  },
};
