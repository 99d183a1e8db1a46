import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities, ProvisionResult } from '../activities';

const { recordWorkspaceProvisioned } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface ProvisionWorkspaceInput {
  workspaceId: string;
}

/**
 * Puts a new workspace's defaults in place. Today one step; later capabilities (retention,
 * default segments) add theirs here. Id: `workspace-provision-<workspaceId>`.
 */
export async function provisionWorkspaceWorkflow(input: ProvisionWorkspaceInput): Promise<ProvisionResult> {
  const result = await recordWorkspaceProvisioned({ workspaceId: input.workspaceId });
  log.info('workspace provisioned', { workspaceId: input.workspaceId });
  return result;
}
