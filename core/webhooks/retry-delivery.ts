import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import type { DeliveryDoc } from './delivery.model';
import { deliveryRepository } from './delivery.repository';
import { workspaceRepository } from '../workspaces/workspace.repository';
import { workflowIds } from '../platform/temporal/workflow-ids';
import { deliverySettingsFor } from './delivery-settings';
import { startDeliveryWorkflow } from './start-delivery';
import { deliverWebhookWorkflow, endSeriesSignal, retryNowSignal } from '../../workflows';

/**
 * Try again now. A delivery still waiting between attempts is woken up; a closed one is
 * re-opened for a new attempt series, recorded on the same delivery and run as a new run of
 * the same `delivery-<id>` workflow.
 */
export async function retryDelivery(deps: Deps, { workspaceId, deliveryId }: { workspaceId: string; deliveryId: string }): Promise<{ delivery: DeliveryDoc; mode: 'woken' | 'restarted' }> {
  const delivery = await deliveryRepository.findInWorkspace(workspaceId, deliveryId);
  if (!delivery) throw AppError.notFound('Delivery');
  const restarted = await restartDelivery(deps, { delivery });
  return { delivery: restarted.delivery, mode: restarted.mode === 'woken' ? 'woken' : 'restarted' };
}

/**
 * `skipIfDelivered` (recover): a delivery listed as not delivered may have succeeded since it was
 * read — its own retry fired — and restarting it then would send the event a second time.
 * `newSeries` (recover): a delivery waiting for its next attempt is not woken but ends its series
 * and starts a new one, as a closed delivery does.
 */
export async function restartDelivery(
  deps: Deps,
  { delivery: listed, skipIfDelivered = false, newSeries = false }: { delivery: DeliveryDoc; skipIfDelivered?: boolean; newSeries?: boolean },
): Promise<{ delivery: DeliveryDoc; mode: 'woken' | 'restarted' | 'already_delivered' }> {
  let delivery = skipIfDelivered ? ((await deliveryRepository.findById(listed._id)) ?? listed) : listed;
  if (skipIfDelivered && delivery.status === 'succeeded') return { delivery, mode: 'already_delivered' };
  const handle = deps.temporal.workflow.getHandle<typeof deliverWebhookWorkflow>(workflowIds.delivery(delivery._id));
  if (delivery.status === 'pending' && (await isRunning(handle))) {
    if (!newSeries) {
      await handle.signal(retryNowSignal);
      return { delivery, mode: 'woken' };
    }
    delivery = await endSeries(handle, delivery);
    if (delivery.status === 'succeeded') return { delivery, mode: 'already_delivered' };
  }
  const reopened = (await deliveryRepository.reopen(delivery._id)) ?? delivery;
  const settings = deliverySettingsFor(await workspaceRepository.findById(delivery.workspaceId), deps.config);
  // The previous run may still be closing after it recorded the failure: then wake it, and if it
  // finished in the meantime (the signal finds no run), start the new series after all.
  for (let attempt = 0; ; attempt++) {
    if (await startDeliveryWorkflow(deps, { delivery: reopened, settings })) break;
    try {
      await handle.signal(retryNowSignal);
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || attempt >= 2) throw err;
    }
  }
  return { delivery: reopened, mode: 'restarted' };
}

/**
 * Ends the running series and waits for its run to close, so that nothing it still records (an
 * attempt in flight finishes first) lands on the new series. Returns the delivery as it left it.
 */
async function endSeries(handle: WorkflowHandle<typeof deliverWebhookWorkflow>, delivery: DeliveryDoc): Promise<DeliveryDoc> {
  try {
    await handle.signal(endSeriesSignal);
    await handle.result();
  } catch (err) {
    // Closed meanwhile (not found), or ended some other way: either way it no longer runs.
    if (!(err instanceof WorkflowNotFoundError) && !(err instanceof WorkflowFailedError)) throw err;
  }
  return (await deliveryRepository.findById(delivery._id)) ?? delivery;
}

async function isRunning(handle: WorkflowHandle<typeof deliverWebhookWorkflow>): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
}
