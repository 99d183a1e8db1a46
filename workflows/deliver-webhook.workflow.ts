import { condition, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, AttemptResult } from '../activities';
import { searchAttributes } from '../core/platform/temporal/search-attributes';
import { withJitter } from '../core/webhooks/retry-policy';

export interface DeliverWebhookInput {
  deliveryId: string;
  workspaceId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  series: number;
  scheduleMs: number[];
  jitter: number;
  /** Per-attempt HTTP deadline; the activity timeout is derived from it. */
  timeoutMs: number;
  /** Attempts of this series already made by a batch (first attempts are batched): the run starts after them. */
  attemptsMade?: number;
  /** With attemptsMade: the wait before the next attempt (the planned delay, stretched by Retry-After). */
  firstWaitMs?: number;
  /** With attemptsMade: how the last of them ended (for the state query). */
  lastHttpStatus?: number | null;
  lastErrorClass?: string | null;
}

export interface DeliveryState {
  deliveryId: string;
  /**
   * `superseded`: the run ended, delivery still open, for a new series to take over (recover).
   * `waiting`: the run ended, delivery still open, waiting in the database for its endpoint's
   * circuit to close (the `endpoint-<subscription>` workflow drains it).
   */
  status: 'pending' | 'retrying' | 'succeeded' | 'failed' | 'canceled' | 'superseded' | 'waiting';
  series: number;
  attempts: number;
  nextAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastErrorClass: string | null;
}

export const deliveryStateQuery = defineQuery<DeliveryState>('state');
/** Skip the current wait and attempt now (POST /deliveries/:id/retry on a running delivery). */
export const retryNowSignal = defineSignal('retryNow');
/** End this series once no attempt is in flight, leaving the delivery open for the next one (recover). */
export const endSeriesSignal = defineSignal('endSeries');
/** Stop: the subscription was deleted. */
export const cancelDeliverySignal = defineSignal<[string]>('cancel');

/**
 * Margin over the HTTP deadline for the activity's own database reads and writes. Generous on
 * purpose: an activity that times out while still running is retried, which can POST twice.
 */
const ACTIVITY_MARGIN_MS = 30_000;

/**
 * One delivery of one event to one subscription (`delivery-<id>`): attempts on the planned
 * schedule, each recorded on the delivery by the activity, until success, exhaustion, a 410,
 * or the subscription going away. Survives worker and server restarts: the timers are Temporal's.
 */
export async function deliverWebhookWorkflow(input: DeliverWebhookInput): Promise<DeliveryState> {
  const { attemptDelivery, closeDelivery } = proxyActivities<Activities>({
    startToCloseTimeout: input.timeoutMs + ACTIVITY_MARGIN_MS,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const attemptsMade = input.attemptsMade ?? 0;
  const state: DeliveryState = { deliveryId: input.deliveryId, status: attemptsMade > 0 ? 'retrying' : 'pending', series: input.series, attempts: attemptsMade, nextAttemptAt: null, lastHttpStatus: input.lastHttpStatus ?? null, lastErrorClass: input.lastErrorClass ?? null };
  let retryNow = false;
  let cancelReason: string | undefined;
  let endSeries = false;
  setHandler(deliveryStateQuery, () => state);
  setHandler(retryNowSignal, () => void (retryNow = true));
  setHandler(endSeriesSignal, () => void (endSeries = true));
  setHandler(cancelDeliverySignal, (reason) => void (cancelReason = reason || 'canceled'));

  const planned = input.scheduleMs.map((delay) => withJitter(delay, input.jitter, Math.random));
  let wait = attemptsMade > 0 ? (input.firstWaitMs ?? planned[attemptsMade]) : planned[0];
  for (let i = attemptsMade; i < planned.length; i++) {
    if (wait > 0) {
      state.nextAttemptAt = new Date(Date.now() + wait).toISOString();
      await condition(() => retryNow || endSeries || cancelReason !== undefined, wait);
    }
    retryNow = false;
    state.nextAttemptAt = null;
    if (cancelReason !== undefined) {
      await closeDelivery({ deliveryId: input.deliveryId, status: 'canceled', reason: cancelReason });
      return finish(state, 'canceled');
    }
    if (endSeries) return finish(state, 'superseded');
    const result: AttemptResult = await attemptDelivery({
      deliveryId: input.deliveryId,
      subscriptionId: input.subscriptionId,
      eventId: input.eventId,
      series: input.series,
      attemptNumber: i + 1,
      plannedNextDelayMs: i + 1 < planned.length ? planned[i + 1] : null,
    });
    if (result.result === 'superseded') return finish(state, 'superseded'); // nothing was sent
    state.attempts = i + 1;
    state.lastHttpStatus = result.httpStatus ?? null;
    state.lastErrorClass = result.errorClass ?? null;
    if (result.result !== 'retry') return finish(state, result.result);
    if (state.status === 'pending') setStatus(state, 'retrying');
    wait = result.nextDelayMs;
  }
  return finish(state, 'failed'); // unreachable in practice: the last attempt never answers 'retry'
}

function finish(state: DeliveryState, status: DeliveryState['status']): DeliveryState {
  setStatus(state, status);
  return state;
}

function setStatus(state: DeliveryState, status: DeliveryState['status']): void {
  state.status = status;
  upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
}
