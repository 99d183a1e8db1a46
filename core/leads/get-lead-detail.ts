import { AppError } from '../platform/errors';
import { visitorRepository } from '../visitors/visitor.repository';
import { companyIdFor } from '../visitors/visitor-ids';
import { leadScoreRepository } from '../scoring/lead-score.repository';
import type { LeadScoreDoc } from '../scoring/lead-score.model';
import { profileOf, type PersonProfile } from '../scoring/scoring-facts';
import { personEnrichmentRepository } from '../enrichment/person-enrichment.repository';
import { companyEnrichmentRepository } from '../enrichment/company-enrichment.repository';
import type { PersonEnrichmentDoc } from '../enrichment/person-enrichment.model';
import { providerNames } from '../enrichment/enrichment-settings';
import { leadRepository } from './lead.repository';
import type { LeadDoc } from './lead.model';

export interface LeadDetail {
  lead: LeadDoc;
  score: LeadScoreDoc | null;
  /** Null for a lead without a tracked person. */
  enrichment: { profile: PersonProfile; providers: PersonEnrichmentDoc[] } | null;
}

/** A lead with its score and what each enrichment provider found. */
export async function getLeadDetail(input: { workspaceId: string; leadId: string }): Promise<LeadDetail> {
  const lead = await leadRepository.findInWorkspace(input.workspaceId, input.leadId);
  if (!lead) throw AppError.notFound('Lead');
  const [score, visitor] = await Promise.all([leadScoreRepository.findById(lead._id), lead.visitorId ? visitorRepository.findById(lead.visitorId) : null]);
  if (!visitor) return { lead, score, enrichment: null };
  const [providers, companyDetails] = await Promise.all([
    personEnrichmentRepository.findForPerson(visitor._id, providerNames),
    visitor.company ? companyEnrichmentRepository.mergedDetails(companyIdFor(visitor.workspaceId, visitor.company.domain)) : {},
  ]);
  return { lead, score, enrichment: { profile: profileOf(visitor, providers, companyDetails), providers } };
}
