import type { Deps } from '../platform/deps';
import { eventRepository } from '../events/event.repository';
import { ingestRepository } from '../ingest/ingest.repository';
import { deliveryRepository } from '../webhooks/delivery.repository';
import { endpointStateRepository } from '../webhooks/endpoint-state.repository';
import type { EndpointHealth } from '../webhooks/endpoint-health';
import { webhookSubscriptionRepository } from '../webhooks/webhook-subscription.repository';
import type { WebhookSubscriptionDoc } from '../webhooks/webhook-subscription.model';

const MINUTE = 60_000;
/** Endpoints looked at for "failing": the newest ones, one health read each. */
const MAX_ENDPOINTS = 500;

export interface MinuteBucket {
  start: Date;
  events: number;
  deliveries: { created: number; succeeded: number; failed: number };
}

export interface WorkspaceStats {
  from: Date;
  to: Date;
  minutes: MinuteBucket[];
  deliveries: { created: number; succeeded: number; failed: number; successRate: number | null };
  ingest: { backlog: number; lagSeconds: number | null };
  failingEndpoints: Array<{ subscription: WebhookSubscriptionDoc; health: EndpointHealth }>;
}

/**
 * The console's overview: per-minute counts over the last `minutes`, bucketed here from one
 * projected read per collection (works the same on MongoDB and FerretDB, which lacks `$dateTrunc`).
 * A delivery counts in the minute it was created, with the outcome it has now.
 */
export async function getWorkspaceStats(_deps: Deps, input: { workspaceId: string; minutes: number; now?: Date }): Promise<WorkspaceStats> {
  const to = input.now ?? new Date();
  const from = new Date(Math.floor(to.getTime() / MINUTE) * MINUTE - (input.minutes - 1) * MINUTE);
  const [eventTimes, deliveries, backlog, failingEndpoints] = await Promise.all([
    eventRepository.createdTimesSince(input.workspaceId, from),
    deliveryRepository.outcomesSince(input.workspaceId, from),
    ingestRepository.backlogOf(input.workspaceId),
    findFailingEndpoints(input.workspaceId, to),
  ]);
  const minutes = emptyBuckets(from, input.minutes);
  const bucketOf = (at: Date) => minutes[Math.floor((at.getTime() - from.getTime()) / MINUTE)];
  for (const at of eventTimes) {
    const bucket = bucketOf(at);
    if (bucket) bucket.events++;
  }
  for (const d of deliveries) countDelivery(bucketOf(d.createdAt), d.status);
  return { from, to, minutes, deliveries: totalsOf(minutes), ingest: { backlog: backlog.waiting, lagSeconds: lagSeconds(backlog.oldestReceivedAt, to) }, failingEndpoints };
}

/** Disabled, circuit open, or its last attempt failed: what the webhooks routes' health shows. */
function isFailing(active: boolean, health: EndpointHealth): boolean {
  return !active || health.circuit === 'open' || health.consecutiveFailures > 0;
}

async function findFailingEndpoints(workspaceId: string, now: Date): Promise<WorkspaceStats['failingEndpoints']> {
  const subscriptions = await webhookSubscriptionRepository.list(workspaceId, MAX_ENDPOINTS);
  const health = await endpointStateRepository.healthOf(subscriptions.map((s) => s._id), now);
  return subscriptions.map((subscription) => ({ subscription, health: health.get(subscription._id) as EndpointHealth })).filter((e) => isFailing(e.subscription.active, e.health));
}

function emptyBuckets(from: Date, count: number): MinuteBucket[] {
  return Array.from({ length: count }, (_, i) => ({ start: new Date(from.getTime() + i * MINUTE), events: 0, deliveries: { created: 0, succeeded: 0, failed: 0 } }));
}

function countDelivery(bucket: MinuteBucket | undefined, status: string): void {
  if (!bucket) return;
  bucket.deliveries.created++;
  if (status === 'succeeded') bucket.deliveries.succeeded++;
  if (status === 'failed') bucket.deliveries.failed++;
}

function totalsOf(minutes: MinuteBucket[]): WorkspaceStats['deliveries'] {
  const sum = (pick: (b: MinuteBucket) => number) => minutes.reduce((n, b) => n + pick(b), 0);
  const succeeded = sum((b) => b.deliveries.succeeded);
  const failed = sum((b) => b.deliveries.failed);
  const finished = succeeded + failed;
  return { created: sum((b) => b.deliveries.created), succeeded, failed, successRate: finished === 0 ? null : Math.round((succeeded / finished) * 1000) / 1000 };
}

function lagSeconds(oldestReceivedAt: Date | null, now: Date): number | null {
  return oldestReceivedAt ? Math.max(0, Math.round((now.getTime() - oldestReceivedAt.getTime()) / 100) / 10) : null;
}
