/**
 * Every activity the worker registers, built from the worker's dependencies. Workflows import
 * this module as a type only (`import type { Activities }`), so no I/O enters the workflow bundle.
 */
import type { Deps } from '../core/platform/deps';
import { createDeliveryActivities } from './webhook-delivery.activities';
import { createWebhookDispatchActivities } from './webhook-dispatch.activities';
import { createDeliveryRecoveryActivities } from './delivery-recovery.activities';
import { createMaintenanceActivities } from './maintenance.activities';
import { createVisitorPipelineActivities } from './visitor-pipeline.activities';
import { createPersonPipelineActivities } from './person-pipeline.activities';
import { createSegmentActivities } from './segment.activities';
import { recordWorkspaceProvisioned } from './workspace.activities';

export function createActivities(deps: Deps) {
  return {
    recordWorkspaceProvisioned,
    ...createDeliveryActivities(deps),
    ...createWebhookDispatchActivities(deps),
    ...createDeliveryRecoveryActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createVisitorPipelineActivities(deps),
    ...createPersonPipelineActivities(deps),
    ...createSegmentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { AttemptInput, AttemptResult } from './webhook-delivery.activities';
export type { DeliveryBatchResult, DispatchRunResult, ProbeResult, DrainResult } from './webhook-dispatch.activities';
export type { ProvisionResult } from './workspace.activities';
export type { RetentionResult } from './maintenance.activities';
export type { IngestPartitionRun } from '../core/ingest/run-ingest-partition';
