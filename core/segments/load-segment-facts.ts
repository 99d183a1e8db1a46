/**
 * Segment facts loaded from the database for an evaluation outside the person's scoring (a
 * backfill, a company): the visitor document, and only what the rules need beyond it
 * (timeline, enrichment, lead), so a backfill of attribute rules reads nothing more.
 */
import type { CompanyDoc } from '../companies/company.model';
import { companyEnrichmentRepository } from '../enrichment/company-enrichment.repository';
import { providerNames } from '../enrichment/enrichment-settings';
import { personEnrichmentRepository } from '../enrichment/person-enrichment.repository';
import { leadRepository } from '../leads/lead.repository';
import { leadScoreRepository } from '../scoring/lead-score.repository';
import { behaviourFromTimeline, profileOf } from '../scoring/scoring-facts';
import { activityBucketRepository } from '../visitors/activity-bucket.repository';
import { companyIdFor } from '../visitors/visitor-ids';
import type { VisitorDoc } from '../visitors/visitor.model';
import type { Activity } from '../visitors/visitor-types';
import { visitorRepository } from '../visitors/visitor.repository';
import type { SegmentFacts, SegmentNeeds } from './evaluate-segment';
import { companySegmentFactsOf, personSegmentFactsOf } from './person-segment-facts';

/** Timeline buckets (50 entries each) read per person: as much as scoring reads. */
const PERSON_TIMELINE_BUCKETS = 20;
/** Per person of a company, fewer: a company's facts read up to COMPANY_PEOPLE people. */
const COMPANY_PERSON_TIMELINE_BUCKETS = 4;
/** The company's most recently seen people whose facts make the company's. */
export const COMPANY_PEOPLE = 25;

export async function loadPersonFacts(visitor: VisitorDoc, needs: SegmentNeeds, timelineBuckets = PERSON_TIMELINE_BUCKETS): Promise<SegmentFacts> {
  const [timeline, enrichments, companyDetails, lead, score] = await Promise.all([
    needs.behaviour ? activityBucketRepository.readLatest(visitor._id, visitor.activityCount, timelineBuckets) : [],
    needs.enrichment ? personEnrichmentRepository.findForPerson(visitor._id, providerNames) : [],
    needs.enrichment && visitor.company?.domain ? companyEnrichmentRepository.mergedDetails(companyIdFor(visitor.workspaceId, visitor.company.domain)) : {},
    needs.lead && visitor.leadId ? leadRepository.findById(visitor.leadId) : null,
    needs.lead && visitor.leadId ? leadScoreRepository.findById(visitor.leadId) : null,
  ]);
  return personSegmentFactsOf({ visitor, profile: profileOf(visitor, enrichments, companyDetails), activities: behaviourFromTimeline(timeline), lead, score });
}

/** An anonymous visitor's facts when their whole timeline is at hand (a visitor the batch just created). */
export function personFactsFromTimeline(visitor: VisitorDoc, timeline: readonly Activity[]): SegmentFacts {
  return personSegmentFactsOf({ visitor, profile: profileOf(visitor, [], {}), activities: behaviourFromTimeline(timeline), lead: null, score: null });
}

/** A company's facts from its people's, and those people (least recently seen first). */
export async function loadCompanyFacts(company: CompanyDoc, needs: SegmentNeeds): Promise<{ facts: SegmentFacts; people: VisitorDoc[] }> {
  const ids = company.visitorIds.slice(-COMPANY_PEOPLE);
  const [visitors, details] = await Promise.all([visitorRepository.findMany(ids), companyEnrichmentRepository.mergedDetails(company._id)]);
  const people = ids.flatMap((id) => { const v = visitors.get(id); return v && !v.mergedInto ? [v] : []; });
  const facts = await Promise.all(people.map((v) => loadPersonFacts(v, needs, COMPANY_PERSON_TIMELINE_BUCKETS)));
  return { facts: companySegmentFactsOf({ company, details, people: facts }), people };
}
