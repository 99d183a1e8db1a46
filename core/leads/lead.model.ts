import { Schema, model } from 'mongoose';
import { leadStatuses, type LeadStatus } from './lead-status';

/** An identified visitor as a sales lead (Persequor): created by the pipeline, status and value by the API. */
const leadSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    email: { type: String, default: null },
    fullName: { type: String, default: null },
    phone: { type: String, default: null },
    leadSource: { type: String, default: null },
    utmSource: { type: String, default: null },
    utmMedium: { type: String, default: null },
    utmCampaign: { type: String, default: null },
    status: { type: String, enum: leadStatuses, default: 'new' },
    value: { type: Number, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'leads', minimize: false },
);

leadSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
leadSchema.index({ workspaceId: 1, status: 1, createdAt: -1, _id: -1 });
leadSchema.index({ workspaceId: 1, _id: 1 });

export interface LeadDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  email: string | null;
  fullName: string | null;
  phone: string | null;
  leadSource: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  status: LeadStatus;
  value: number | null;
  createdAt: Date;
  updatedAt: Date;
}
export const LeadModel = model('Lead', leadSchema);
