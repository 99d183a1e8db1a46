import { WorkflowNotFoundError } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { endpointStateQuery, type EndpointCircuitState, type endpointCircuitWorkflow } from '../../workflows';
import type { DeliveryStage } from './delivery.model';
import { deliveryRepository } from './delivery.repository';
import { initialHealth, type EndpointHealth } from './endpoint-health';
import { endpointStateRepository } from './endpoint-state.repository';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';

/** Only a worker answers a query: with none free, Temporal would hold the request for 30 s. */
const PROBE_QUERY_TIMEOUT_MS = 3_000;

export interface EndpointHealthReport {
  health: EndpointHealth;
  pending: Record<DeliveryStage, number>;
  /** The endpoint workflow's state while it runs (circuit open, or draining). */
  probe: EndpointCircuitState | null;
}

export async function getEndpointHealth(deps: Deps, { workspaceId, subscriptionId }: { workspaceId: string; subscriptionId: string }): Promise<EndpointHealthReport> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, subscriptionId);
  if (!subscription) throw AppError.notFound('Webhook subscription');
  const [health, pending, probe] = await Promise.all([
    endpointStateRepository.find(subscriptionId),
    deliveryRepository.countPendingByStage(workspaceId, subscriptionId),
    probeState(deps, subscriptionId),
  ]);
  return { health: health ?? initialHealth(subscription.createdAt), pending, probe };
}

async function probeState(deps: Deps, subscriptionId: string): Promise<EndpointCircuitState | null> {
  const handle = deps.temporal.workflow.getHandle<typeof endpointCircuitWorkflow>(workflowIds.endpoint(subscriptionId));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return null;
    return await deps.temporal.connection.withDeadline(Date.now() + PROBE_QUERY_TIMEOUT_MS, () => handle.query(endpointStateQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    deps.logger.debug({ err, subscriptionId }, 'endpoint workflow state unavailable');
    return null;
  }
}
