/** A lead as the API shows it (Persequor's snake_case): the lead.created payload plus updated_at. */
import type { z } from 'zod';
import { leadCreatedPayloadSchema } from '../../core/events/payloads';
import { leadEventData } from '../../core/leads/lead-payload';
import type { LeadDoc } from '../../core/leads/lead.model';
import { isoDate } from '../http/common-schemas';
import type { LeadScoreDoc } from '../../core/scoring/lead-score.model';
import { enrichmentViewSchema, leadScoringView, leadScoringViewSchema } from './lead-scoring-views';

export const leadViewSchema = leadCreatedPayloadSchema.extend({ updated_at: isoDate, lead_scoring: leadScoringViewSchema }).meta({ id: 'Lead' });

/** GET /leads/:id also shows what enrichment found, per provider. */
export const leadDetailViewSchema = leadViewSchema.extend({ enrichment: enrichmentViewSchema.nullable() }).meta({ id: 'LeadDetail' });

export function leadView(lead: LeadDoc, score: LeadScoreDoc | null): z.infer<typeof leadViewSchema> {
  return { ...leadEventData(lead), updated_at: lead.updatedAt.toISOString(), lead_scoring: leadScoringView(score) };
}
