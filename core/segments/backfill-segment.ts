/**
 * A segment's backfill: evaluates every existing person (or company) of the workspace under the
 * segment's current rules, in slices the segment-backfill workflow drives. One query per slice
 * reads the subjects as it goes (resuming where the last one stopped: visitorRepository.streamVisitors);
 * facts beyond the document are loaded only when the rules need them.
 * Only subjects whose membership differs from the members list are written, in bulk. Members
 * found are announced only when the segment says `emit_on_backfill`. A rules edit makes a newer
 * version: a slice of the older one stops at its next chunk, and its progress writes match nothing.
 */
import { companyRepository } from '../companies/company.repository';
import { mapBounded } from '../platform/bounded-parallel';
import type { Deps } from '../platform/deps';
import { personWorkflowStart } from '../people/person-workflow-start';
import type { VisitorDoc } from '../visitors/visitor.model';
import { visitorRepository } from '../visitors/visitor.repository';
import type { ResumeAt } from '../platform/resumable-walk';
import { personWakeBySignal, personWorkflow } from '../../workflows';
import { compiledFor } from './compiled-segment-cache';
import { transitionOf } from './decide-standings';
import type { SegmentFacts, SegmentNeeds, SegmentVerdict } from './evaluate-segment';
import { loadCompanyFacts, loadPersonFacts } from './load-segment-facts';
import { recordStandings, type SubjectDecision } from './record-standings';
import type { SegmentDoc } from './segment.model';
import { segmentRepository } from './segment.repository';
import { segmentBackfillRepository } from './segment-backfill.repository';
import { subjectIdOf, type SegmentSubject } from './segment-events';
import { segmentMemberRepository, type MembershipChange } from './segment-member.repository';
import { segmentStandingRepository } from './segment-standing.repository';

/** Subjects evaluated and written together. */
const CHUNK = 250;
/** Subjects whose extra facts (timeline, enrichment, lead) load at once. */
const FACTS_CONCURRENCY = 16;
/** How often the progress document is written while a slice runs. */
const PROGRESS_EVERY_MS = 1_000;

export interface BackfillTarget {
  workspaceId: string;
  segmentId: string;
  version: number;
  /** The backfill run (its first run id, kept over continue-as-new): a newer run of the same version replaces it. */
  runKey: string;
}

export interface BackfillProgressCounts {
  processed: number;
  /** Members found so far. */
  qualified: number;
}

export interface BackfillSliceInput extends BackfillTarget, BackfillProgressCounts {
  afterId: string | null;
  /** Stop after this long and return where it got to (the workflow starts the next slice). */
  budgetMs: number;
}

export interface BackfillSliceResult extends BackfillProgressCounts {
  status: 'more' | 'completed' | 'superseded';
  afterId: string | null;
}

/** Records the start of a backfill of `version`; `superseded` if the segment moved on. The total is counted alongside. */
export async function beginSegmentBackfill(input: BackfillTarget & { workflowId: string }): Promise<{ startedAt: string } | 'superseded'> {
  const segment = await currentSegment(input);
  if (!segment) return 'superseded';
  const startedAt = new Date();
  await segmentBackfillRepository.begin({ _id: segment._id, workspaceId: segment.workspaceId, version: segment.version, runKey: input.runKey, workflowId: input.workflowId, status: 'running', processed: 0, total: null, qualified: 0, startedAt, finishedAt: null });
  return { startedAt: startedAt.toISOString() };
}

/**
 * How many subjects the backfill will evaluate, for its progress while it runs (once done, the
 * total is what it evaluated). Counted alongside the first slice: on FerretDB a count reads every
 * document, as long as the walk itself.
 */
export async function countSegmentBackfill(input: BackfillTarget): Promise<number> {
  const segment = await currentSegment(input);
  if (!segment) return 0;
  const total = segment.entity === 'company' ? await companyRepository.countInWorkspace(input.workspaceId) : await visitorRepository.countVisitors(input.workspaceId);
  await segmentBackfillRepository.countedTotal(input, total);
  return total;
}

export async function backfillSegmentSlice(deps: Deps, input: BackfillSliceInput, heartbeat: (progress: BackfillSliceResult) => void): Promise<BackfillSliceResult> {
  const segment = await currentSegment(input);
  const progress: BackfillSliceResult = { status: 'more', afterId: input.afterId, processed: input.processed, qualified: input.qualified };
  if (!segment) return { ...progress, status: 'superseded' };
  const members = await segmentMemberRepository.memberIdsOf(segment._id);
  const startedAt = Date.now();
  // The budget counts from the first subject read (a query may read a lot before its first answer).
  let deadline = Infinity;
  let lastWrite = Date.now();
  let chunk: SubjectDoc[] = [];
  let outOfTime = false;
  // One chunk is evaluated and written while the next is read; progress advances in read order.
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const flush = (): Promise<boolean> => {
    const docs = chunk;
    chunk = [];
    const work = stillCurrent(input).then((current) => (current ? backfillChunk(deps, segment, docs, members) : null));
    work.catch(() => undefined); // awaited below, in order; this only keeps it from counting as unhandled meanwhile
    const previous = inFlight;
    inFlight = previous.then(async (ok) => {
      const qualified = await work;
      if (!ok || qualified === null) return false;
      progress.processed += docs.length;
      progress.qualified += qualified;
      progress.afterId = idOf(docs[docs.length - 1]);
      heartbeat(progress);
      if (Date.now() - lastWrite >= PROGRESS_EVERY_MS) {
        lastWrite = Date.now();
        await segmentBackfillRepository.progress(input, { processed: progress.processed, qualified: progress.qualified });
      }
      return true;
    });
    return previous;
  };
  for await (const doc of subjectsOf(segment, { afterId: input.afterId, skip: input.processed })) {
    if (deadline === Infinity) {
      deadline = Date.now() + input.budgetMs;
      deps.logger.debug({ segmentId: segment._id, version: segment.version, firstReadMs: Date.now() - startedAt }, 'segment backfill slice reading');
    }
    chunk.push(doc);
    if (chunk.length < CHUNK) continue;
    if (!(await flush())) break; // superseded: the final await says so
    if (Date.now() >= deadline) {
      outOfTime = true;
      break;
    }
  }
  if (chunk.length) await flush(); // the rest, once every subject was read
  if (!(await inFlight)) return { ...progress, status: 'superseded' };
  if (outOfTime) {
    await segmentBackfillRepository.progress(input, { processed: progress.processed, qualified: progress.qualified });
    return progress;
  }
  progress.status = 'completed';
  await segmentBackfillRepository.progress(input, { status: 'completed', processed: progress.processed, total: progress.processed, qualified: progress.qualified, finishedAt: new Date() });
  return progress;
}

/** A superseded run (an older version, or a deleted segment) finds nothing here. */
async function currentSegment(target: BackfillTarget): Promise<SegmentDoc | null> {
  const segment = await segmentRepository.findInWorkspace(target.workspaceId, target.segmentId);
  return segment && segment.version === target.version ? segment : null;
}

/** Whether this run still is the segment's backfill: same rules version, and not replaced by a newer run (POST …/backfill). */
async function stillCurrent(target: BackfillTarget): Promise<boolean> {
  const [segment, backfill] = await Promise.all([currentSegment(target), segmentBackfillRepository.findById(target.segmentId)]);
  return segment !== null && backfill?.runKey === target.runKey;
}

type SubjectDoc = { kind: 'person'; visitor: VisitorDoc } | { kind: 'company'; company: Parameters<typeof loadCompanyFacts>[0] };

const idOf = (doc: SubjectDoc) => (doc.kind === 'person' ? doc.visitor._id : doc.company._id);

async function* subjectsOf(segment: SegmentDoc, from: ResumeAt): AsyncIterable<SubjectDoc> {
  if (segment.entity === 'company') for await (const company of companyRepository.stream(segment.workspaceId, from)) yield { kind: 'company', company };
  else for await (const visitor of visitorRepository.streamVisitors(segment.workspaceId, from)) yield { kind: 'person', visitor };
}

interface Evaluated {
  subject: SegmentSubject;
  verdict: SegmentVerdict;
  /** Whose pipeline times the end of a windowed membership: the person, or a person of the company. */
  timer: VisitorDoc | null;
}

/** Evaluates a chunk, writes what changed, wakes the pipelines that must time a window's end; returns the members found. */
async function backfillChunk(deps: Deps, segment: SegmentDoc, docs: readonly SubjectDoc[], members: Set<string>): Promise<number> {
  const compiled = compiledFor(segment);
  const now = new Date();
  const evaluated = await mapBounded(docs, FACTS_CONCURRENCY, async (doc): Promise<Evaluated> => {
    const { subject, facts, timer } = await factsOf(doc, compiled.needs);
    return { subject, verdict: compiled.evaluate(facts, now.getTime()), timer };
  });
  const changed = evaluated.filter((e) => e.verdict.member !== members.has(subjectIdOf(e.subject)));
  // Anonymous members whose membership ends when a window passes: the minute sweep times them, from their standing's `expiresAt`.
  const untimed = evaluated.filter((e) => e.subject.entity === 'person' && !e.subject.visitor.leadId && e.verdict.member && e.verdict.expiresAt !== null);
  const stored = await segmentStandingRepository.findMany([...changed, ...untimed].map((e) => subjectIdOf(e.subject)));
  const decisions = new Map<string, SubjectDecision>();
  const repairs: MembershipChange[] = [];
  for (const e of changed) {
    const id = subjectIdOf(e.subject);
    const transition = transitionOf(segment, stored.get(id)?.standings[segment._id], e.verdict.member, now);
    if (transition) decisions.set(id, { subject: e.subject, workspaceId: segment.workspaceId, decision: { transitions: [transition], unset: [] }, stored: stored.has(id) });
    // The standing already says so (a pipeline got there first, or a crash left the row behind): only the members list is behind.
    else repairs.push(e.verdict.member ? { join: { workspaceId: segment.workspaceId, segmentId: segment._id, entity: segment.entity, memberId: id, since: stored.get(id)?.standings[segment._id]?.since ?? now } } : { leave: { segmentId: segment._id, memberId: id } });
    if (e.verdict.member) members.add(id);
    else members.delete(id);
  }
  for (const e of untimed) {
    const id = subjectIdOf(e.subject);
    const ends = new Date(e.verdict.expiresAt as number);
    const current = stored.get(id)?.expiresAt;
    if (current && current <= ends) continue; // the sweep comes by then anyway, and evaluates every segment
    const entry = decisions.get(id) ?? { subject: e.subject, workspaceId: segment.workspaceId, decision: { transitions: [], unset: [] }, stored: stored.has(id) };
    decisions.set(id, { ...entry, expiresAt: ends });
  }
  await segmentMemberRepository.apply(repairs);
  await recordStandings(deps, [...decisions.values()], { emit: segment.emitOnBackfill, now });
  await wakeForWindows(deps, evaluated);
  return evaluated.filter((e) => e.verdict.member).length;
}

async function factsOf(doc: SubjectDoc, needs: SegmentNeeds): Promise<{ subject: SegmentSubject; facts: SegmentFacts; timer: VisitorDoc | null }> {
  if (doc.kind === 'person') {
    const { visitor } = doc;
    // An anonymous visitor has no lead or enrichment to read, and no workflow to time a window (the sweep does).
    const facts = await loadPersonFacts(visitor, visitor.leadId ? needs : { ...needs, enrichment: false, lead: false });
    return { subject: { entity: 'person', visitor }, facts, timer: visitor.leadId ? visitor : null };
  }
  const { facts, people } = await loadCompanyFacts(doc.company, needs);
  return { subject: { entity: 'company', company: doc.company }, facts, timer: people.filter((p) => p.leadId).at(-1) ?? null };
}

/**
 * A membership that ends when a window passes is timed by a person's pipeline: the backfill
 * tells it (starting it if it sleeps; it then evaluates everything itself).
 */
async function wakeForWindows(deps: Deps, evaluated: readonly Evaluated[]): Promise<void> {
  const due = evaluated.filter((e) => e.verdict.member && e.verdict.expiresAt !== null && e.timer);
  await mapBounded(due, 8, async (e) => {
    const visitor = e.timer as VisitorDoc;
    const start = personWorkflowStart(deps.config, visitor);
    await deps.temporal.workflow.signalWithStart(personWorkflow, { ...start, args: [...start.args], signal: personWakeBySignal, signalArgs: [e.verdict.expiresAt as number] });
  });
}
