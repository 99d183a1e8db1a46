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
export async function retryDelivery(deps: Deps, { workspaceId, deliveryId }: { workspaceId: string; deliveryId: string }): Promise<{ delivery: DeliveryDoc; mode: 'woken' | 'restarted' | 'queued' }> {
  const delivery = await deliveryRepository.findInWorkspace(workspaceId, deliveryId);
  if (!delivery) throw AppError.notFound('Delivery');
  const restarted = await restartDelivery(deps, { delivery });
  return { delivery: restarted.delivery, mode: restarted.mode === 'already_delivered' ? 'restarted' : restarted.mode };
}

/** Margin over the HTTP deadline for a batch to record the attempt it has in flight. */
const BATCH_RECORD_MARGIN_MS = 15_000;
const BATCH_POLL_MS = 200;

/**
 * `skipIfDelivered` (recover): a delivery listed as not delivered may have succeeded since it was
 * read — its own retry fired — and restarting it then would send the event a second time.
 * `newSeries` (recover): a delivery waiting for its next attempt is not woken but ends its series
 * and starts a new one, as a closed delivery does; one whose first attempt is in a dispatch batch
 * is waited for until the batch recorded it (`queued` if that takes too long: the batch sends it).
 */
export async function restartDelivery(
  deps: Deps,
  { delivery: listed, skipIfDelivered = false, newSeries = false }: { delivery: DeliveryDoc; skipIfDelivered?: boolean; newSeries?: boolean },
): Promise<{ delivery: DeliveryDoc; mode: 'woken' | 'restarted' | 'queued' | 'already_delivered' }> {
  let delivery = skipIfDelivered ? ((await deliveryRepository.findById(listed._id)) ?? listed) : listed;
  if (isInBatch(delivery) && newSeries) delivery = await batchRecorded(deps, delivery);
  // A first attempt queued or in flight in a batch: re-opening now would send the event twice.
  if (isInBatch(delivery)) return { delivery, mode: 'queued' };
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
  // A run already there is either the previous run still closing after it recorded the failure
  // (wake it; if it finished meanwhile, start the new series after all), or a run of the series
  // before — a batch hands its failed first attempt over to one right after recording it —,
  // which is ended first so that nothing of the new series is recorded as the old one's.
  for (let attempt = 0; ; attempt++) {
    if (await startDeliveryWorkflow(deps, { delivery: reopened, settings })) break;
    try {
      if ((await runningSeries(handle)) < reopened.series) {
        await endSeries(handle, reopened);
        if (attempt < 3) continue;
      }
      await handle.signal(retryNowSignal);
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || attempt >= 3) throw err;
    }
  }
  return { delivery: reopened, mode: 'restarted' };
}

function isInBatch(delivery: DeliveryDoc): boolean {
  return delivery.status === 'pending' && delivery.stage === 'batch';
}

/** Waits (at most the workspace's HTTP deadline and a margin) for a batch to record the delivery's first attempt. */
async function batchRecorded(deps: Deps, delivery: DeliveryDoc): Promise<DeliveryDoc> {
  const { timeoutMs } = deliverySettingsFor(await workspaceRepository.findById(delivery.workspaceId), deps.config);
  const deadline = Date.now() + timeoutMs + BATCH_RECORD_MARGIN_MS;
  let current = delivery;
  while (isInBatch(current) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, BATCH_POLL_MS));
    current = (await deliveryRepository.findById(delivery._id)) ?? current;
  }
  return current;
}

/** The attempt series of the delivery's running workflow (from its memo); Infinity when unknown. */
async function runningSeries(handle: WorkflowHandle<typeof deliverWebhookWorkflow>): Promise<number> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return Infinity;
  const series = description.memo?.series;
  return typeof series === 'number' ? series : Infinity;
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
