/** A lead's score and enrichment as the API shows them (on the lead, and on the visitor as Salespanel's `lead_scoring`). */
import { z } from 'zod';
import { leadGradeSchema, leadPotentialSchema, scoreContribution } from '../../core/events/payloads';
import type { LeadScoreDoc } from '../../core/scoring/lead-score.model';
import type { PersonEnrichmentDoc } from '../../core/enrichment/person-enrichment.model';
import type { PersonProfile } from '../../core/scoring/scoring-facts';
import { isoDate } from '../http/common-schemas';

export const leadScoringViewSchema = z
  .object({
    lead_score: z.number().int().min(0).max(100).meta({ description: 'Score 0–100 from the workspace scoring rules (GET /api/v1/scoring)' }),
    grade: leadGradeSchema,
    lead_potential: leadPotentialSchema,
    confidence: z.number().min(0).max(1).meta({ description: 'How much the score rests on: enrichment answered, activity seen, email known' }),
    reasoning: z.array(scoreContribution),
    summary: z.string(),
    scored_at: isoDate,
    qualified_at: isoDate.nullable().meta({ description: 'When the lead first reached the qualifying grade (prospect.qualified)' }),
    next_change_at: isoDate.nullable().meta({ description: 'When decay would change the grade if nothing else happens' }),
  })
  .nullable()
  .meta({ id: 'LeadScoring', description: 'Null until the person has been scored (moments after identification)' });

export function leadScoringView(score: LeadScoreDoc | null): z.infer<typeof leadScoringViewSchema> {
  if (!score) return null;
  return {
    lead_score: score.score,
    grade: score.grade,
    lead_potential: score.leadPotential,
    confidence: score.confidence,
    reasoning: score.reasoning,
    summary: score.summary,
    scored_at: score.scoredAt.toISOString(),
    qualified_at: score.qualifiedAt?.toISOString() ?? null,
    next_change_at: score.nextChangeAt?.toISOString() ?? null,
  };
}

const details = z.record(z.string(), z.string());

export const enrichmentViewSchema = z
  .object({
    person_details: details.meta({ description: 'What the person stated, then what providers added' }),
    company_details: details,
    providers: z.record(
      z.string(),
      z.object({
        status: z.enum(['ok', 'error', 'skipped']).meta({ description: '`error`: the last call failed (fields keep the previous answer, if any); `skipped`: nothing to look up (no email, no IP)' }),
        fetched_at: isoDate.nullable(),
        fields: z
          .object({ person_details: details, company_details: details, extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) })
          .nullable(),
        last_error: z.object({ error_class: z.string(), message: z.string(), at: isoDate }).nullable(),
      }),
    ),
  })
  .meta({ id: 'LeadEnrichment' });

export function enrichmentView(profile: PersonProfile, docs: readonly PersonEnrichmentDoc[]): z.infer<typeof enrichmentViewSchema> {
  return {
    person_details: profile.personDetails,
    company_details: profile.companyDetails,
    providers: Object.fromEntries(
      docs.map((d) => [
        d.provider,
        {
          status: d.status,
          fetched_at: d.fetchedAt?.toISOString() ?? null,
          fields: d.fields,
          last_error: d.lastError ? { error_class: d.lastError.errorClass, message: d.lastError.message, at: new Date(d.lastError.at).toISOString() } : null,
        },
      ]),
    ),
  };
}
