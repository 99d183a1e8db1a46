import { Schema, model } from 'mongoose';

/**
 * Provider answers by what was looked up (`<workspace>:<provider>:<key>`, key = domain, email or
 * IP), so a second person from the same domain costs no call within the workspace's TTL. Expiry is
 * checked on read: FerretDB has no TTL index (MongoDB gets one, for cleanup).
 */
const enrichmentCacheSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    provider: { type: String, required: true },
    fields: { type: Schema.Types.Mixed, required: true },
    fetchedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'enrichment_cache', minimize: false },
);

enrichmentCacheSchema.index({ expiresAt: 1 });

export interface EnrichmentCacheDoc {
  _id: string;
  workspaceId: string;
  provider: string;
  fields: unknown;
  fetchedAt: Date;
  expiresAt: Date;
}
export const EnrichmentCacheModel = model('EnrichmentCache', enrichmentCacheSchema);
