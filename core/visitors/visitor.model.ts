import { Schema, model } from 'mongoose';
import type { Acquisition, ActivitySummary, AttributeValue, ClickIds, CompanyRef, PersonDetails, Touch } from './visitor-types';

/**
 * A visitor (Salespanel's visitor object): one device/fingerprint, or a person once identified.
 * Written only by its visitor workflow (one writer per document), read by the API.
 */
const visitorSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    /** What the id was derived from: `fp:<fingerprint>`, `customer:<id>` or `email:<email>`. */
    key: { type: String, required: true },
    /** Set when this visitor was merged into a known person; its events go there from then on. */
    mergedInto: { type: String, default: null },
    mergedVisitorIds: { type: [String], default: [] },
    email: { type: String, default: null },
    customerId: { type: String, default: null },
    identifiedAt: { type: Date, default: null },
    leadId: { type: String, default: null },
    person: { type: Schema.Types.Mixed, default: {} },
    company: { type: Schema.Types.Mixed, default: null },
    acquisition: { type: Schema.Types.Mixed, default: null },
    firstTouch: { type: Schema.Types.Mixed, default: null },
    lastTouch: { type: Schema.Types.Mixed, default: null },
    clickIds: { type: Schema.Types.Mixed, default: {} },
    attributes: { type: Schema.Types.Mixed, default: {} },
    tags: { type: [String], default: [] },
    segments: { type: [String], default: [] },
    summary: { type: Schema.Types.Mixed, required: true },
    /** Number of timeline entries; entry n lives in bucket floor(n / ACTIVITY_BUCKET_SIZE). */
    activityCount: { type: Number, default: 0 },
    /** Ids of the last events applied, so a repeated delivery of one is not applied twice. */
    recentEventIds: { type: [String], default: [] },
    firstSeenAt: { type: Date, default: null },
    lastSeenAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'visitors', minimize: false },
);

visitorSchema.index({ workspaceId: 1, lastSeenAt: -1, _id: -1 });
visitorSchema.index({ workspaceId: 1, firstSeenAt: -1, _id: -1 });

export interface VisitorDoc {
  _id: string;
  workspaceId: string;
  key: string;
  mergedInto: string | null;
  mergedVisitorIds: string[];
  email: string | null;
  customerId: string | null;
  identifiedAt: Date | null;
  leadId: string | null;
  person: PersonDetails;
  company: CompanyRef | null;
  acquisition: Acquisition | null;
  firstTouch: Touch | null;
  lastTouch: Touch | null;
  clickIds: ClickIds;
  attributes: Record<string, AttributeValue>;
  tags: string[];
  segments: string[];
  summary: ActivitySummary;
  activityCount: number;
  recentEventIds: string[];
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export const VisitorModel = model('Visitor', visitorSchema);
