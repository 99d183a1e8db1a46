import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import { newId } from '../platform/ids';
import { compileSegment } from './evaluate-segment';
import type { SegmentDoc, SegmentEntity } from './segment.model';
import { segmentRepository } from './segment.repository';
import { getSegment } from './get-segment';
import { segmentMemberRepository } from './segment-member.repository';
import { segmentBackfillRepository } from './segment-backfill.repository';
import { segmentStandingRepository } from './segment-standing.repository';
import { startSegmentBackfillOrRecord } from './start-segment-backfill';
import type { SegmentRules } from './segment-rules';

/** Segments per workspace: each is evaluated on every change of every member's facts. */
export const MAX_SEGMENTS_PER_WORKSPACE = 100;

export interface SegmentInput {
  name: string;
  entity: SegmentEntity;
  rules: SegmentRules;
  emitOnBackfill?: boolean;
}

/** Creates a segment. Its rules are compiled once here, so rules the evaluator cannot run are refused now, not at the first event. */
export async function createSegment(deps: Deps, input: { workspaceId: string } & SegmentInput): Promise<SegmentDoc> {
  if ((await segmentRepository.countForWorkspace(input.workspaceId)) >= MAX_SEGMENTS_PER_WORKSPACE) {
    throw new AppError('conflict', `A workspace may have at most ${MAX_SEGMENTS_PER_WORKSPACE} segments`);
  }
  compileSegment(input.rules);
  const now = new Date();
  const doc: SegmentDoc = { _id: newId('seg'), workspaceId: input.workspaceId, name: input.name, entity: input.entity, rules: input.rules, emitOnBackfill: input.emitOnBackfill ?? false, version: 1, createdAt: now, updatedAt: now };
  await segmentRepository.insert(doc);
  await startSegmentBackfillOrRecord(deps, doc);
  return doc;
}

/** Changes a segment's name, rules or backfill setting; a rules change starts a new version and its backfill. Its entity is fixed. */
export async function updateSegment(deps: Deps, input: { workspaceId: string; id: string } & Partial<Omit<SegmentInput, 'entity'>>): Promise<SegmentDoc> {
  const stored = await getSegment(deps, input);
  if (input.rules) compileSegment(input.rules);
  const rulesChanged = input.rules !== undefined && JSON.stringify(input.rules) !== JSON.stringify(stored.rules);
  const doc: SegmentDoc = {
    ...stored,
    name: input.name ?? stored.name,
    rules: input.rules ?? stored.rules,
    emitOnBackfill: input.emitOnBackfill ?? stored.emitOnBackfill,
    version: stored.version + (rulesChanged ? 1 : 0),
    updatedAt: new Date(),
  };
  await segmentRepository.replace(doc);
  if (rulesChanged) await startSegmentBackfillOrRecord(deps, doc);
  return doc;
}

export async function deleteSegment(deps: Deps, input: { workspaceId: string; id: string }): Promise<void> {
  const stored = await getSegment(deps, input);
  await segmentRepository.remove(stored._id);
  // A backfill still running finds the segment gone and stops; an evaluation running now may leave an entry, dropped by the subject's next one.
  await segmentMemberRepository.removeAllOf(stored._id);
  await segmentStandingRepository.dropSegment(stored._id);
  await segmentBackfillRepository.remove(stored._id);
}
