import { Schema, model } from 'mongoose';

/** A visiting company (Salespanel), known from identified visitors' company or work-email domain. */
const companySchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    domain: { type: String, required: true },
    name: { type: String, default: null },
    pageVisits: { type: Number, default: 0 },
    /** Visitors seen from the company (capped; the count is exact). */
    visitorIds: { type: [String], default: [] },
    visitorCount: { type: Number, default: 0 },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'companies', minimize: false },
);

companySchema.index({ workspaceId: 1, lastSeenAt: -1, _id: -1 });

export interface CompanyDoc {
  _id: string;
  workspaceId: string;
  domain: string;
  name: string | null;
  pageVisits: number;
  visitorIds: string[];
  visitorCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  createdAt: Date;
}
export const CompanyModel = model('Company', companySchema);
