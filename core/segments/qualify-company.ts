/**
 * Evaluates the workspace's company segments for one company, from its people's facts together
 * (person-segment-facts.ts); stores where it stands and emits `company.segment_qualified` /
 * `company.segment_disqualified`. Run by the pipeline of whichever of its people just changed;
 * the earliest window end joins that person's timer. Two people's pipelines evaluating the same
 * company at once see the same transition and emit it under the same id, so once.
 */
import { companyRepository } from '../companies/company.repository';
import type { Deps } from '../platform/deps';
import { compiledFor } from './compiled-segment-cache';
import { decideStandings } from './decide-standings';
import type { SegmentNeeds } from './evaluate-segment';
import { loadCompanyFacts } from './load-segment-facts';
import { resultOf, type QualifyResult } from './qualify-person';
import { recordStandings } from './record-standings';
import type { SegmentDoc } from './segment.model';
import { segmentStandingRepository } from './segment-standing.repository';

/** `segments`: the workspace's company segments. */
export async function qualifyCompany(deps: Deps, input: { workspaceId: string; companyId: string; segments: readonly SegmentDoc[]; now: Date; emit: boolean }): Promise<QualifyResult> {
  const { now, segments } = input;
  if (segments.length === 0) return { joined: [], left: [], expiresAt: null };
  const [company, stored] = await Promise.all([companyRepository.findById(input.companyId), segmentStandingRepository.findById(input.companyId)]);
  if (!company || company.workspaceId !== input.workspaceId) return { joined: [], left: [], expiresAt: null };
  const needs = segments.map((s) => compiledFor(s).needs).reduce<SegmentNeeds>((all, n) => ({ behaviour: all.behaviour || n.behaviour, enrichment: all.enrichment || n.enrichment, lead: all.lead || n.lead }), { behaviour: false, enrichment: false, lead: false });
  const { facts } = await loadCompanyFacts(company, needs);
  const decision = decideStandings(segments, stored?.standings ?? {}, (segment) => compiledFor(segment).evaluate(facts, now.getTime()), now);
  await recordStandings(deps, [{ subject: { entity: 'company', company }, workspaceId: input.workspaceId, decision, stored: stored !== null }], { emit: input.emit, now });
  return resultOf(decision);
}
