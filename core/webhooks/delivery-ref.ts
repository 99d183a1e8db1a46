import { fnv1a32 } from '../ingest/ingest-partition';
import type { DeliveryDoc } from './delivery.model';

/** One delivery attempt to send in a batch: enough to send it without reading the delivery first. */
export interface DeliveryRef {
  deliveryId: string;
  workspaceId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  series: number;
  /** The attempt this send is, within its series (1 for a first attempt). */
  attemptNumber: number;
  /** When it was queued (ms since the epoch): the dispatch lag. */
  queuedAt: number;
}

/** The dispatch partition (0 … partitions-1) of a subscription: all its first attempts go through one workflow. */
export function dispatchPartitionOf(subscriptionId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a32(subscriptionId) % partitions;
}

/** The ref of a stored delivery's next attempt. */
export function deliveryRefOf(
  delivery: Pick<DeliveryDoc, '_id' | 'workspaceId' | 'subscriptionId' | 'eventId' | 'eventType' | 'series'>,
  { attemptNumber, queuedAt }: { attemptNumber: number; queuedAt: number },
): DeliveryRef {
  const { _id: deliveryId, workspaceId, subscriptionId, eventId, eventType, series } = delivery;
  return { deliveryId, workspaceId, subscriptionId, eventId, eventType, series, attemptNumber, queuedAt };
}
