/**
 * A person's segment facts, from what scoring gathers (visitor, merged profile, recent timeline)
 * plus the lead and its score; and a company's, from its people's. Pure: the shell loads, this maps.
 */
import type { CompanyDoc } from '../companies/company.model';
import type { LeadDoc } from '../leads/lead.model';
import type { ScoringFacts } from '../scoring/score-lead';
import type { PersonProfile } from '../scoring/scoring-facts';
import type { VisitorDoc } from '../visitors/visitor.model';
import type { SegmentFacts } from './evaluate-segment';

export function personSegmentFactsOf(input: {
  visitor: VisitorDoc;
  profile: PersonProfile;
  activities: ScoringFacts['activities'];
  lead: Pick<LeadDoc, 'status'> | null;
  score: { score: number; grade: string } | null;
}): SegmentFacts {
  const { visitor, profile, activities } = input;
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
    visits: activities.flatMap((a) => (a.kind === 'page_visit' ? [{ url: a.url, at: a.at.getTime() }] : [])),
    events: activities.flatMap((a) => (a.kind === 'custom_event' ? [{ name: a.name, at: a.at.getTime() }] : [])),
    sessionStarts: (visitor.summary?.sessions ?? []).map((s) => s.start),
    lastSeenAt: visitor.lastSeenAt?.getTime() ?? null,
  };
}

/**
 * A company's facts are its people's, together: behaviour in windows counts every person's
 * visits, events and sessions; a profile field, attribute or lead condition holds when it holds
 * for any one person; `company.*` and `enrichment.*` read the company's own details.
 */
export function companySegmentFactsOf(input: { company: CompanyDoc; details: Record<string, string>; people: readonly SegmentFacts[] }): SegmentFacts {
  const { company, details, people } = input;
  const listOf = (root: 'person' | 'acquisition' | 'lead') => people.flatMap((p) => { const doc = p.profile[root]; return doc && !Array.isArray(doc) ? [doc as Record<string, unknown>] : []; });
  const lastSeen = people.map((p) => p.lastSeenAt).filter((t): t is number => t !== null);
  return {
    profile: {
      person: listOf('person'),
      company: { ...details, domain: company.domain, name: company.name ?? details.name ?? null, page_visits: company.pageVisits, visitor_count: company.visitorCount },
      acquisition: listOf('acquisition'),
      lead: listOf('lead'),
      enrichment: details,
    },
    attributes: people.flatMap((p) => (Array.isArray(p.attributes) ? p.attributes : [p.attributes])),
    tags: [...new Set(people.flatMap((p) => p.tags))],
    visits: people.flatMap((p) => p.visits),
    events: people.flatMap((p) => p.events),
    sessionStarts: people.flatMap((p) => p.sessionStarts),
    lastSeenAt: lastSeen.length ? Math.max(...lastSeen) : company.lastSeenAt.getTime(),
  };
}
