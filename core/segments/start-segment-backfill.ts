import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { isTransientError } from '../platform/transient-errors';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { segmentBackfillWorkflow } from '../../workflows';
import type { SegmentDoc } from './segment.model';
import { segmentBackfillRepository } from './segment-backfill.repository';

/**
 * Starts the backfill of the segment's current rules version as `segment-backfill-<segment>`;
 * a backfill of an older version still running under that id is terminated (its slice in flight
 * stops at its next chunk: the version moved on).
 */
export async function startSegmentBackfill(deps: Deps, segment: SegmentDoc): Promise<string> {
  const workflowId = workflowIds.segmentBackfill(segment._id);
  await deps.temporal.workflow.start(segmentBackfillWorkflow, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId,
    workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    args: [{ workspaceId: segment.workspaceId, segmentId: segment._id, version: segment.version, sliceMs: deps.config.SEGMENT_BACKFILL_SLICE }],
    typedSearchAttributes: [{ key: searchAttributes.workspaceId, value: segment.workspaceId }],
    memo: { workspaceId: segment.workspaceId, segmentId: segment._id, version: segment.version, description: `Evaluates every existing ${segment.entity} for the segment "${segment.name}" (rules version ${segment.version})` },
  });
  return workflowId;
}

/**
 * After a create or rules edit: starts the backfill, or, when Temporal cannot be reached, records
 * it as `not_started` (the segment is saved either way; POST /segments/:id/backfill starts it later).
 */
export async function startSegmentBackfillOrRecord(deps: Deps, segment: SegmentDoc): Promise<void> {
  try {
    await startSegmentBackfill(deps, segment);
  } catch (err) {
    if (!isTransientError(err)) throw err;
    deps.logger.warn({ err, segmentId: segment._id }, 'could not start the segment backfill; recorded as not started');
    const workflowId = workflowIds.segmentBackfill(segment._id);
    await segmentBackfillRepository.begin({ _id: segment._id, workspaceId: segment.workspaceId, version: segment.version, runKey: null, workflowId, status: 'not_started', processed: 0, total: null, qualified: 0, startedAt: new Date(), finishedAt: null });
  }
}

/** POST /segments/:id/backfill: evaluates everyone again under the current rules (replacing a backfill still running). */
export async function restartSegmentBackfill(deps: Deps, segment: SegmentDoc): Promise<void> {
  try {
    await startSegmentBackfill(deps, segment);
  } catch (err) {
    if (isTransientError(err)) throw new AppError('service_unavailable', 'The workflow service could not be reached to start the backfill; try again shortly');
    throw err;
  }
}
