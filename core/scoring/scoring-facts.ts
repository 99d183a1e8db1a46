/**
 * What scoring looks at, gathered from the person's documents: the visitor (attributes, tags,
 * company), its recent timeline and every provider's enrichment. Pure: the shell loads, this maps.
 */
import { employeeRangeSchema } from '../events/payloads';
import type { EmployeeRange } from '../events/payloads';
import type { PersonEnrichmentDoc } from '../enrichment/person-enrichment.model';
import type { VisitorDoc } from '../visitors/visitor.model';
import type { Activity } from '../visitors/visitor-types';
import type { ScoringFacts } from './score-lead';

/** Timeline categories that are bookkeeping, not something the person did. */
const NOT_BEHAVIOUR = new Set(['identity']);

export interface PersonProfile {
  /** Enrichment merged over what the visitor stated: the person's and the company's details. */
  personDetails: Record<string, string>;
  companyDetails: Record<string, string>;
  workEmail: boolean | null;
}

/** Providers' answers merged: stated details first, then providers in order (a later one fills gaps). */
export function profileOf(visitor: VisitorDoc, enrichments: readonly PersonEnrichmentDoc[], companyDetails: Record<string, string>): PersonProfile {
  const personDetails: Record<string, string> = {};
  for (const [key, value] of Object.entries(visitor.person ?? {})) if (typeof value === 'string' && value) personDetails[key === 'title' ? 'job_title' : key] = value;
  const company: Record<string, string> = {};
  if (visitor.company?.domain) company.domain = visitor.company.domain;
  if (visitor.company?.name) company.name = visitor.company.name;
  let workEmail: boolean | null = null;
  for (const e of enrichments) {
    if (!e.fields) continue;
    for (const [key, value] of Object.entries(e.fields.person_details)) personDetails[key] ??= value;
    for (const [key, value] of Object.entries(e.fields.company_details)) company[key] ??= value;
    if (typeof e.fields.extra.work_email === 'boolean') workEmail = e.fields.extra.work_email;
  }
  for (const [key, value] of Object.entries(companyDetails)) company[key] ??= value;
  return { personDetails, companyDetails: company, workEmail };
}

export function scoringFactsOf(input: { visitor: VisitorDoc; activities: readonly Activity[]; profile: PersonProfile; enrichments: readonly PersonEnrichmentDoc[]; enabledProviders: number }): ScoringFacts {
  const { visitor, profile } = input;
  const range = employeeRangeSchema.safeParse(profile.companyDetails.employee_range);
  return {
    email: visitor.email,
    workEmail: profile.workEmail,
    company: {
      known: Boolean(profile.companyDetails.domain || profile.companyDetails.name),
      employeeRange: range.success ? (range.data as EmployeeRange) : null,
      industry: profile.companyDetails.industry ?? null,
    },
    attributes: visitor.attributes ?? {},
    tags: visitor.tags ?? [],
    activities: behaviourFromTimeline(input.activities),
    enrichment: { enabled: input.enabledProviders, answered: input.enrichments.filter((e) => e.status === 'ok' || (e.fields !== null && e.status === 'error')).length },
  };
}

/** Page visits, and custom events / activities by their label (`demo_requested`). */
export function behaviourFromTimeline(activities: readonly Activity[]): ScoringFacts['activities'] {
  return activities.flatMap(behaviourOf);
}

function behaviourOf(activity: Activity): ScoringFacts['activities'][number][] {
  if (activity.type === 'links') return [{ kind: 'page_visit', url: activity.url, at: new Date(activity.at) }];
  if (activity.type === 'custom_activity' && !NOT_BEHAVIOUR.has(activity.category)) return [{ kind: 'custom_event', name: activity.label, at: new Date(activity.at) }];
  return [];
}
