import type { Deps } from '../platform/deps';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { segmentBackfillWorkflow } from '../../workflows';
import type { SegmentDoc } from './segment.model';

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
