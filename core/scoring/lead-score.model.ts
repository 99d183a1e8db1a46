import { Schema, model } from 'mongoose';

/**
 * A lead's current score (`_id` = lead id), written only by scoring (the person workflow, or a
 * re-score): apart from the lead, which the API updates, so neither undoes the other's write.
 */
const leadScoreSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    score: { type: Number, required: true },
    grade: { type: String, required: true },
    reasoning: { type: [Schema.Types.Mixed], default: [] },
    summary: { type: String, required: true },
    confidence: { type: Number, required: true },
    leadPotential: { type: String, required: true },
    scoredAt: { type: Date, required: true },
    /** Number of lead.scored events emitted: the next one's id derives from it, so a retried scoring emits once. */
    emitted: { type: Number, default: 0 },
    qualifiedAt: { type: Date, default: null },
    nextChangeAt: { type: Date, default: null },
    /** The lead's createdAt, so `GET /leads?grade=` pages in the leads' own order. */
    leadCreatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'lead_scores', minimize: false },
);

leadScoreSchema.index({ workspaceId: 1, grade: 1, leadCreatedAt: -1, _id: -1 });
leadScoreSchema.index({ workspaceId: 1, _id: 1 });

export type LeadGrade = 'hot' | 'warm' | 'cold';

export interface LeadScoreDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  score: number;
  grade: LeadGrade;
  reasoning: Array<{ rule_id: string; points: number; reason: string }>;
  summary: string;
  confidence: number;
  leadPotential: 'high' | 'medium' | 'low';
  scoredAt: Date;
  emitted: number;
  qualifiedAt: Date | null;
  nextChangeAt: Date | null;
  leadCreatedAt: Date;
}
export const LeadScoreModel = model('LeadScore', leadScoreSchema);
