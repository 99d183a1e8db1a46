import { Schema, model } from 'mongoose';

/**
 * One provider's answer for one person (`<visitor>:<provider>`): its own document, so three
 * providers finishing at once never rewrite each other's result (FerretDB applies updates
 * non-atomically, whole document at a time).
 */
const personEnrichmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    provider: { type: String, required: true },
    /** `ok`: fields below are the latest answer; `error`: the last call failed (fields may hold an older answer); `skipped`: nothing to look up. */
    status: { type: String, required: true },
    /** What was looked up (email, domain or IP), so a changed input is enriched again. */
    inputKey: { type: String, default: null },
    fields: { type: Schema.Types.Mixed, default: null },
    fetchedAt: { type: Date, default: null },
    lastError: { type: Schema.Types.Mixed, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'person_enrichments', minimize: false },
);

personEnrichmentSchema.index({ workspaceId: 1, visitorId: 1 });

/** What a provider contributes: Salespanel's person_details / company_details fields, plus the provider's own. */
export interface EnrichmentFields {
  person_details: Record<string, string>;
  company_details: Record<string, string>;
  /** Provider specifics shown as they are (work_email, network organisation and type, …). */
  extra: Record<string, string | number | boolean | null>;
}

export interface PersonEnrichmentDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  provider: string;
  status: 'ok' | 'error' | 'skipped';
  inputKey: string | null;
  fields: EnrichmentFields | null;
  fetchedAt: Date | null;
  lastError: { errorClass: string; message: string; at: Date } | null;
  updatedAt: Date;
}
export const PersonEnrichmentModel = model('PersonEnrichment', personEnrichmentSchema);
