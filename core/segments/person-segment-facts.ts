/**
 * A person's segment facts, from what scoring already gathered (visitor, merged profile, recent
 * timeline) plus the lead and its score. Pure: the shell loads, this maps.
 */
import type { LeadDoc } from '../leads/lead.model';
import type { ScoringFacts } from '../scoring/score-lead';
import type { PersonProfile } from '../scoring/scoring-facts';
import type { VisitorDoc } from '../visitors/visitor.model';
import type { SegmentFacts } from './evaluate-segment';

export function personSegmentFactsOf(input: {
  visitor: VisitorDoc;
  profile: PersonProfile;
  scoring: ScoringFacts;
  lead: Pick<LeadDoc, 'status'> | null;
  score: { score: number; grade: string } | null;
}): SegmentFacts {
  const { visitor, profile, scoring } = input;
  const acquisition = visitor.acquisition;
  return {
    profile: {
      person: { ...profile.personDetails, email: visitor.email },
      company: profile.companyDetails,
      acquisition: acquisition && {
        source: acquisition.source,
        medium: acquisition.medium,
        campaign: acquisition.campaign,
        landing_page: acquisition.landingPage,
        country: acquisition.landingLocation?.country_code ?? null,
      },
      lead: { status: input.lead?.status ?? null, score: input.score?.score ?? null, grade: input.score?.grade ?? null },
      enrichment: { ...profile.companyDetails, work_email: profile.workEmail },
    },
    attributes: visitor.attributes ?? {},
    tags: visitor.tags ?? [],
    visits: scoring.activities.flatMap((a) => (a.kind === 'page_visit' ? [{ url: a.url, at: a.at.getTime() }] : [])),
    events: scoring.activities.flatMap((a) => (a.kind === 'custom_event' ? [{ name: a.name, at: a.at.getTime() }] : [])),
    sessionStarts: (visitor.summary?.sessions ?? []).map((s) => s.start),
    lastSeenAt: visitor.lastSeenAt?.getTime() ?? null,
  };
}
