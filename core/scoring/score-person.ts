/**
 * Scores one identified person: loads what is known (visitor, recent timeline, enrichment), runs
 * the workspace's rules (pure, score-lead.ts), stores the score, and emits lead.scored when the
 * grade changed (or on every change, if the workspace asks) and prospect.qualified the first time
 * the lead reaches the qualifying grade. Safe to repeat: emitted ids derive from the lead and the
 * number of lead.scored events before this one, and the stored score is written after emitting.
 */
import type { Deps } from '../platform/deps';
import { emitEvent } from '../events/emit-event';
import { AppError } from '../platform/errors';
import { activityBucketRepository } from '../visitors/activity-bucket.repository';
import { visitorRepository } from '../visitors/visitor.repository';
import { companyIdFor, emittedEventIdFor } from '../visitors/visitor-ids';
import type { VisitorDoc } from '../visitors/visitor.model';
import { workspaceSettingRepository } from '../workspaces/workspace-setting.repository';
import { leadRepository } from '../leads/lead.repository';
import type { LeadDoc } from '../leads/lead.model';
import { personEnrichmentRepository } from '../enrichment/person-enrichment.repository';
import { companyEnrichmentRepository } from '../enrichment/company-enrichment.repository';
import { providerNames } from '../enrichment/enrichment-settings';
import { enabledProviders, enrichmentSettingsOf } from '../enrichment/workspace-enrichment-settings';
import { employeeRangeSchema, type EventPayload } from '../events/payloads';
import type { EventType } from '../events/event-catalogue';
import { nextGradeChangeAt, scoreLead, type LeadScore } from './score-lead';
import type { ScoringRules } from './scoring-rules';
import { scoringRulesOf } from './workspace-scoring-rules';
import { profileOf, scoringFactsOf, type PersonProfile } from './scoring-facts';
import { leadScoreRepository } from './lead-score.repository';
import { personSegmentFactsOf } from '../segments/person-segment-facts';
import { qualifyPerson } from '../segments/qualify-person';
import { qualifyCompany } from '../segments/qualify-company';
import { segmentRepository } from '../segments/segment.repository';
import type { LeadGrade, LeadScoreDoc } from './lead-score.model';

/** Timeline buckets read for scoring (50 entries each): behaviour older than ~1,000 entries has decayed away. */
const TIMELINE_BUCKETS = 20;
const GRADE_RANK: Record<LeadGrade, number> = { cold: 0, warm: 1, hot: 2 };

export interface ScorePersonInput {
  workspaceId: string;
  visitorId: string;
  /** false for a silent re-score (a rules edit without `emit: true`): the score is stored, nothing is emitted. */
  emit: boolean;
  /** Read the rules uncached (a re-score right after an edit must see it). */
  freshRules?: boolean;
  /** Only score if the visitor was saved after this time (ms); else answer `unchanged`. */
  changedSince?: number;
}

export interface ScorePersonResult {
  score: number;
  grade: LeadGrade;
  /** When the grade or a segment membership would change with no new activity (decay, a window passing); null if never. */
  nextChangeAt: number | null;
  emitted: EventType[];
}

/** null when the visitor is not (or no longer) an identified person with a lead. */
export async function scorePerson(deps: Deps, input: ScorePersonInput): Promise<ScorePersonResult | null | 'unchanged'> {
  const visitor = await visitorRepository.findById(input.visitorId);
  if (!visitor || visitor.workspaceId !== input.workspaceId || visitor.mergedInto || !visitor.leadId) return null;
  if (input.changedSince !== undefined && visitor.updatedAt.getTime() <= input.changedSince) return 'unchanged';
  const [lead, previous, scoring, enrichment] = await Promise.all([
    leadRepository.findById(visitor.leadId),
    leadScoreRepository.findById(visitor.leadId),
    input.freshRules ? workspaceSettingRepository.find(input.workspaceId, 'scoring') : workspaceSettingRepository.findCached(input.workspaceId, 'scoring'),
    workspaceSettingRepository.findCached(input.workspaceId, 'enrichment'),
  ]);
  if (!lead) return null;
  const { rules } = scoringRulesOf(scoring);
  const { profile, facts } = await gatherFacts(visitor, enabledProviders(enrichmentSettingsOf(enrichment)).length);
  const now = new Date();
  const result = scoreLead(rules, facts, now);
  const next = nextGradeChangeAt(rules, facts, now);
  const emitted: EventType[] = [];
  const doc: LeadScoreDoc = {
    _id: lead._id,
    workspaceId: lead.workspaceId,
    visitorId: visitor._id,
    score: result.score,
    grade: result.grade,
    reasoning: result.reasoning,
    summary: result.summary,
    confidence: result.confidence,
    leadPotential: result.lead_potential,
    scoredAt: now,
    emitted: previous?.emitted ?? 0,
    qualifiedAt: previous?.qualifiedAt ?? null,
    nextChangeAt: next,
    leadCreatedAt: lead.createdAt,
  };
  const changed = !previous || previous.grade !== result.grade || (rules.emit_on_every_change && previous.score !== result.score);
  if (changed && input.emit) {
    doc.emitted += 1;
    await emit(deps, lead, `lead.scored#${doc.emitted}`, 'lead.scored', leadScoredData(lead, result, previous?.grade ?? null, now));
    emitted.push('lead.scored');
  }
  if (!doc.qualifiedAt && qualifies(rules, result.grade)) {
    doc.qualifiedAt = now;
    if (input.emit) {
      await emit(deps, lead, 'prospect.qualified', 'prospect.qualified', await prospectData(lead, visitor, profile, result, now));
      emitted.push('prospect.qualified');
    }
  }
  await leadScoreRepository.save(doc);
  // Segments see the same facts, the lead and its new score; their windows' ends share the timer.
  const segmentFacts = personSegmentFactsOf({ visitor, profile, activities: facts.activities, lead, score: result });
  const workspaceSegments = await segmentRepository.listAll(visitor.workspaceId);
  const segments = await qualifyPerson(deps, { visitor, facts: segmentFacts, segments: workspaceSegments.filter((s) => s.entity === 'person'), now, emit: input.emit });
  if (input.emit && segments.joined.length) emitted.push('person.segment_qualified');
  if (input.emit && segments.left.length) emitted.push('person.segment_disqualified');
  // The person's company is evaluated from its people, this one's change included.
  const companySegments = workspaceSegments.filter((s) => s.entity === 'company');
  const company = visitor.company?.domain ? await qualifyCompany(deps, { workspaceId: visitor.workspaceId, companyId: companyIdFor(visitor.workspaceId, visitor.company.domain), segments: companySegments, now, emit: input.emit }) : null;
  if (input.emit && company?.joined.length) emitted.push('company.segment_qualified');
  if (input.emit && company?.left.length) emitted.push('company.segment_disqualified');
  const nextChangeAt = [next?.getTime() ?? null, segments.expiresAt, company?.expiresAt ?? null].filter((t): t is number => t !== null);
  return { score: result.score, grade: result.grade, nextChangeAt: nextChangeAt.length ? Math.min(...nextChangeAt) : null, emitted };
}

async function gatherFacts(visitor: VisitorDoc, enabled: number) {
  const [activities, enrichments] = await Promise.all([
    activityBucketRepository.readLatest(visitor._id, visitor.activityCount, TIMELINE_BUCKETS),
    personEnrichmentRepository.findForPerson(visitor._id, providerNames),
  ]);
  const companyDetails = visitor.company ? await companyEnrichmentRepository.mergedDetails(companyIdFor(visitor.workspaceId, visitor.company.domain)) : {};
  const profile = profileOf(visitor, enrichments, companyDetails);
  return { profile, facts: scoringFactsOf({ visitor, activities, profile, enrichments, enabledProviders: enabled }) };
}

function qualifies(rules: ScoringRules, grade: LeadGrade): boolean {
  return GRADE_RANK[grade] >= GRADE_RANK[rules.qualifying_grade];
}

function leadScoredData(lead: LeadDoc, result: LeadScore, previousGrade: LeadGrade | null, now: Date): EventPayload<'lead.scored'> {
  return {
    lead_id: lead._id,
    visitor_id: lead.visitorId,
    email: lead.email,
    score: result.score,
    grade: result.grade,
    lead_potential: result.lead_potential,
    lead_reasoning: result.summary,
    classification_confidence: result.confidence,
    previous_grade: previousGrade,
    reasoning: result.reasoning,
    scored_at: now.toISOString(),
  };
}

/** Prospektr's qualified prospect, made of the lead: the company when known, else the person. */
async function prospectData(lead: LeadDoc, visitor: VisitorDoc, profile: PersonProfile, result: LeadScore, now: Date): Promise<EventPayload<'prospect.qualified'>> {
  const company = profile.companyDetails;
  const domain = company.domain ?? null;
  const contactName = lead.fullName ?? profile.personDetails.name ?? null;
  return {
    id: lead._id,
    name: company.name ?? contactName ?? lead.email ?? lead._id,
    website: company.website ?? (domain ? `https://${domain}` : null),
    email: lead.email,
    phone: lead.phone,
    address: null,
    city: null,
    state: null,
    postal_code: null,
    segment: company.industry ?? null,
    lead_potential: result.lead_potential,
    lead_reasoning: result.summary,
    classification_confidence: result.confidence,
    notable_clients: [],
    large_run_indicators: [],
    status: 'qualified',
    lead_id: lead._id,
    visitor_id: visitor._id,
    score: result.score,
    grade: result.grade,
    contact: { full_name: contactName, email: lead.email, phone: lead.phone, job_title: profile.personDetails.job_title ?? null },
    company:
      domain || company.name
        ? { company_id: domain ? companyIdFor(lead.workspaceId, domain) : null, name: company.name ?? null, domain, industry: company.industry ?? null, employee_range: employeeRangeSchema.safeParse(company.employee_range).data ?? null }
        : null,
    created_at: now.toISOString(),
  };
}

/** Emits with an id derived from the lead and `cause`; an invalid payload is recorded in failed_events, not retried forever. */
async function emit(deps: Deps, lead: LeadDoc, cause: string, type: EventType, data: unknown): Promise<void> {
  try {
    await emitEvent(deps, { workspaceId: lead.workspaceId, type, data, id: emittedEventIdFor(lead._id, cause), recordIfInvalid: true });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, type, leadId: lead._id }, 'emitted event failed its schema; recorded in failed_events, not delivered');
  }
}
