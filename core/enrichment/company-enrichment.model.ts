import { Schema, model } from 'mongoose';

/**
 * What a provider revealed about a company (`<company>:<provider>`), learned from one of its
 * people. Its own document beside the company, which the ingest pipeline updates on every visit:
 * neither writer can undo the other on FerretDB's non-atomic updates.
 */
const companyEnrichmentSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    companyId: { type: String, required: true },
    domain: { type: String, required: true },
    provider: { type: String, required: true },
    details: { type: Schema.Types.Mixed, required: true },
    fetchedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'company_enrichments', minimize: false },
);

companyEnrichmentSchema.index({ workspaceId: 1, companyId: 1 });

export interface CompanyEnrichmentDoc {
  _id: string;
  workspaceId: string;
  companyId: string;
  domain: string;
  provider: string;
  /** company_details fields (name, website, industry, employee_range, location, country_code, linkedin). */
  details: Record<string, string>;
  fetchedAt: Date;
}
export const CompanyEnrichmentModel = model('CompanyEnrichment', companyEnrichmentSchema);
