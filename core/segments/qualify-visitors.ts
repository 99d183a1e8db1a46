/**
 * Person segments for anonymous visitors, evaluated in the ingest batch that changed them (an
 * identified person is evaluated by their own pipeline instead). Only what the rules need is
 * read: the timeline when a segment counts visits or events, and one standings document per
 * visitor. A membership that ends when a window passes is kept as the standing's `expiresAt`,
 * which the minute sweep (expire-segment-memberships.ts) looks at: anonymous visitors have no
 * workflow to time it.
 */
import type { Deps } from '../platform/deps';
import { mapBounded } from '../platform/bounded-parallel';
import type { VisitorDoc } from '../visitors/visitor.model';
import { compiledFor } from './compiled-segment-cache';
import { decideStandings } from './decide-standings';
import type { SegmentNeeds } from './evaluate-segment';
import { loadPersonFacts, personFactsFromTimeline } from './load-segment-facts';
import type { Activity } from '../visitors/visitor-types';
import { recordStandings, type SubjectDecision } from './record-standings';
import type { SegmentDoc } from './segment.model';
import { segmentRepository } from './segment.repository';
import { segmentStandingRepository } from './segment-standing.repository';

/** Visitors whose facts load at once. */
const CONCURRENCY = 8;
/**
 * Timeline buckets (50 entries each) read per anonymous visitor and batch: their 200 latest
 * entries. Bounded tighter than for a person (whose workflow reads 20 once per scoring), since
 * this runs on every batch, and anyone can send an anonymous visitor thousands of page views.
 */
const TIMELINE_BUCKETS = 4;
/** How long a workspace's person segments are reused between batches (a new segment reaches everyone through its backfill). */
const SEGMENTS_TTL_MS = 1_000;
const segmentsCache = new Map<string, { at: number; segments: SegmentDoc[] }>();

/**
 * Anonymous (not identified, not merged away) visitors of one or more workspaces, as just saved.
 * `created`: visitors the batch created, with their whole timeline: nothing of theirs is read.
 */
export async function qualifyAnonymousVisitors(deps: Deps, visitors: readonly VisitorDoc[], created: ReadonlyMap<string, Activity[]> = new Map(), now = new Date()): Promise<void> {
  const anonymous = visitors.filter((v) => !v.leadId && !v.mergedInto);
  const byWorkspace = new Map<string, VisitorDoc[]>();
  for (const v of anonymous) byWorkspace.set(v.workspaceId, [...(byWorkspace.get(v.workspaceId) ?? []), v]);
  for (const [workspaceId, group] of byWorkspace) {
    const segments = await personSegments(workspaceId);
    if (segments.length) await qualifyGroup(deps, group, segments, now, { created });
  }
}

/**
 * Evaluates every person segment for these visitors of one workspace and records what changed.
 * `rewriteExpiry`: the sweep's evaluation, which always stores the next end (or none). `created`:
 * see qualifyAnonymousVisitors.
 */
export async function qualifyGroup(deps: Deps, visitors: readonly VisitorDoc[], segments: readonly SegmentDoc[], now: Date, options: { rewriteExpiry?: boolean; created?: ReadonlyMap<string, Activity[]> } = {}): Promise<void> {
  if (visitors.length === 0) return;
  // Anonymous visitors have no lead and no enrichment of their own: only the timeline may be needed.
  const needs: SegmentNeeds = { behaviour: segments.some((s) => compiledFor(s).needs.behaviour), enrichment: false, lead: false };
  const created = options.created ?? new Map<string, Activity[]>();
  const stored = await segmentStandingRepository.findMany(visitors.filter((v) => !created.has(v._id)).map((v) => v._id));
  const decisions: SubjectDecision[] = [];
  await mapBounded(visitors, CONCURRENCY, async (visitor) => {
    const timeline = created.get(visitor._id);
    const facts = timeline ? personFactsFromTimeline(visitor, timeline) : await loadPersonFacts(visitor, needs, TIMELINE_BUCKETS);
    const previous = stored.get(visitor._id);
    const decision = decideStandings(segments, previous?.standings ?? {}, (segment) => compiledFor(segment).evaluate(facts, now.getTime()), now);
    const expiresAt = decision.expiresAt === null ? null : new Date(decision.expiresAt);
    // A later end is left to the sweep (it re-evaluates, finds the member still in, and moves it on): one write fewer per visit.
    const earlier = expiresAt !== null && (!previous?.expiresAt || previous.expiresAt > expiresAt);
    if (options.rewriteExpiry || decision.transitions.length || decision.unset.length || earlier || (previous?.expiresAt && expiresAt === null)) {
      decisions.push({ subject: { entity: 'person', visitor }, workspaceId: visitor.workspaceId, decision, stored: previous !== undefined, expiresAt });
    }
  });
  await recordStandings(deps, decisions, { emit: true, now });
}

async function personSegments(workspaceId: string): Promise<SegmentDoc[]> {
  const cached = segmentsCache.get(workspaceId);
  if (cached && Date.now() - cached.at < SEGMENTS_TTL_MS) return cached.segments;
  const segments = await segmentRepository.listForEntity(workspaceId, 'person');
  if (segmentsCache.size > 10_000) segmentsCache.clear();
  segmentsCache.set(workspaceId, { at: Date.now(), segments });
  return segments;
}
