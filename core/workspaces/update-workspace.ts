import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { eventTypesForPlan, type Plan } from '../events/event-catalogue';
import { assertRetryScheduleWithinRetention } from '../webhooks/delivery-settings';
import type { WorkspaceDoc } from './workspace.model';
import { workspaceRepository, type WorkspaceChanges } from './workspace.repository';

/** Operator change of plan (entitlements follow it), rate limits or webhook delivery settings. */
export async function updateWorkspace(
  deps: Deps,
  { workspaceId: id, changes }: { workspaceId: string; changes: Omit<WorkspaceChanges, 'entitledEventTypes'> & { plan?: Plan } },
): Promise<WorkspaceDoc> {
  assertRetryScheduleWithinRetention(deps.config, changes.webhookSettings?.retryScheduleMs);
  const update: WorkspaceChanges = { ...changes, ...(changes.plan ? { entitledEventTypes: eventTypesForPlan(changes.plan) } : {}) };
  const workspace = await workspaceRepository.update(id, update);
  if (!workspace) throw AppError.notFound('Workspace');
  return workspace;
}
