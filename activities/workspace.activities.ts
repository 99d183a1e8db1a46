import { workspaceRepository } from '../core/workspaces/workspace.repository';

export interface ProvisionResult {
  workspaceId: string;
  provisionedAt: string;
}

/** Records that a workspace's defaults are in place. Idempotent, so Temporal may retry it freely. */
export async function recordWorkspaceProvisioned(input: { workspaceId: string }): Promise<ProvisionResult> {
  const workspace = await workspaceRepository.markProvisioned(input.workspaceId, new Date());
  if (!workspace?.provisionedAt) throw new Error(`workspace ${input.workspaceId} not found`);
  return { workspaceId: workspace._id, provisionedAt: workspace.provisionedAt.toISOString() };
}
