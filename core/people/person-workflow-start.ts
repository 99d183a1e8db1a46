import type { Config } from '../platform/config';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import type { VisitorDoc } from '../visitors/visitor.model';

/** How a person's workflow is started (by its first fact, or an enrichment request): id, search attributes, memo. */
export function personWorkflowStart(config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PERSON_SCORE_INTERVAL'>, visitor: VisitorDoc, ip: string | null = null) {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: workflowIds.person(visitor.workspaceId, visitor._id),
    args: [{ workspaceId: visitor.workspaceId, visitorId: visitor._id, email: visitor.email, ip, scoreIntervalMs: config.PERSON_SCORE_INTERVAL }] as const,
    typedSearchAttributes: [
      { key: searchAttributes.workspaceId, value: visitor.workspaceId },
      { key: searchAttributes.visitorId, value: visitor._id },
      ...(visitor.email ? [{ key: searchAttributes.email, value: visitor.email }] : []),
    ],
    memo: { workspaceId: visitor.workspaceId, visitorId: visitor._id, leadId: visitor.leadId, description: 'Enriches and scores this person; sleeps until its grade decays' },
  };
}
