import { eventTypesForPlan, type Plan } from '../events/event-catalogue';
import { newId } from '../platform/ids';
import type { Deps } from '../platform/deps';
import type { WorkspaceDoc } from './workspace.model';
import { assertRetryScheduleWithinRetention } from '../webhooks/delivery-settings';
import { newIdentitySecret } from './identity-verification';
import { workspaceRepository } from './workspace.repository';
import { searchAttributes } from '../platform/temporal/search-attributes';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { provisionWorkspaceWorkflow } from '../../workflows';

export interface CreateWorkspaceInput {
  name: string;
  plan?: Plan;
  isDemo?: boolean;
  rateLimits?: { perMinute?: number; perDay?: number };
  webhookSettings?: { retryScheduleMs?: number[]; timeoutMs?: number };
}

export interface CreatedWorkspace {
  workspace: WorkspaceDoc;
  /** `started` once the provisioning workflow is running; `pending` if Temporal was unreachable. */
  provisioning: 'started' | 'pending';
  workflowId: string;
}

/**
 * Stores the workspace (usable at once) and starts its provisioning workflow. If Temporal is
 * down the workspace still exists and works; it reports provisioning `pending`.
 */
export async function createWorkspace(deps: Deps, input: CreateWorkspaceInput): Promise<CreatedWorkspace> {
  assertRetryScheduleWithinRetention(deps.config, input.webhookSettings?.retryScheduleMs);
  const plan = input.plan ?? 'pro';
  const workspace = await workspaceRepository.insert({
    _id: newId('ws', 16),
    name: input.name,
    plan,
    entitledEventTypes: eventTypesForPlan(plan),
    isDemo: input.isDemo ?? false,
    identitySecret: newIdentitySecret(),
    rateLimits: input.rateLimits,
    webhookSettings: input.webhookSettings,
  });
  const workflowId = workflowIds.provisionWorkspace(workspace._id);
  const provisioning = await startProvisioning(deps, workspace, workflowId).then(
    () => 'started' as const,
    (err) => {
      deps.logger.warn({ err, workspaceId: workspace._id }, 'workspace stored but its provisioning workflow could not start');
      return 'pending' as const;
    },
  );
  return { workspace, provisioning, workflowId };
}

async function startProvisioning(deps: Deps, workspace: Pick<WorkspaceDoc, '_id' | 'name'>, workflowId: string): Promise<void> {
  await deps.temporal.workflow.start(provisionWorkspaceWorkflow, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId,
    args: [{ workspaceId: workspace._id }],
    typedSearchAttributes: [{ key: searchAttributes.workspaceId, value: workspace._id }],
    memo: { workspaceName: workspace.name },
  });
  await workspaceRepository.setProvisioningWorkflow(workspace._id, workflowId);
}
