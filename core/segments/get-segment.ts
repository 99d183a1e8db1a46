import { AppError } from '../platform/errors';
import type { Deps } from '../platform/deps';
import type { SegmentDoc } from './segment.model';
import { segmentRepository } from './segment.repository';

/** The workspace's segment, or 404: no segment of another workspace is ever found. */
export async function getSegment(_deps: Deps, input: { workspaceId: string; id: string }): Promise<SegmentDoc> {
  const segment = await segmentRepository.findInWorkspace(input.workspaceId, input.id);
  if (!segment) throw AppError.notFound('Segment');
  return segment;
}
