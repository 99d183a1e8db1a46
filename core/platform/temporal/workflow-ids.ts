/**
 * Readable workflow ids: an operator who knows a workspace or an entity id can type the
 * workflow id into the Temporal UI. One helper per workflow so ids are built in one place.
 */
export const workflowIds = {
  provisionWorkspace: (workspaceId: string) => `workspace-provision-${workspaceId}`,
  delivery: (deliveryId: string) => `delivery-${deliveryId}`,
  /** One per POST /webhooks/:id/recover; `unique` tells several recoveries of a subscription apart. */
  deliveryRecovery: (subscriptionId: string, unique: string) => `recover-${subscriptionId}-${unique}`,
  /** Subscription ids hold no `-`, so the prefix names exactly one subscription. */
  isDeliveryRecoveryOf: (subscriptionId: string, workflowId: string) => workflowId.startsWith(`recover-${subscriptionId}-`),
  visitor: (workspaceId: string, visitorId: string) => `visitor-${workspaceId}-${visitorId}`,
  /**
   * One per ingest partition (INGEST_PIPELINE=partitions): `ingest-partition-<n>` on the default
   * task queue; another task queue (a second deployment or a test sharing the namespace) gets its
   * own set, `ingest-partition-<queue>-<n>`.
   */
  ingestPartition: (taskQueue: string, partition: number) => (taskQueue === 'signalbox' ? `ingest-partition-${partition}` : `ingest-partition-${taskQueue}-${partition}`),
  /** One per webhook dispatch partition, named like the ingest partitions: `webhook-dispatch-<n>` on the default task queue. */
  webhookDispatch: (taskQueue: string, partition: number) => (taskQueue === 'signalbox' ? `webhook-dispatch-${partition}` : `webhook-dispatch-${taskQueue}-${partition}`),
  /** One per subscription while its circuit is open: probes the endpoint, then drains what waited. */
  endpoint: (subscriptionId: string) => `endpoint-${subscriptionId}`,
  /** One per identified person: enrichment, scoring and the decay timer. */
  person: (workspaceId: string, visitorId: string) => `person-${workspaceId}-${visitorId}`,
  /** One per scoring-rules edit: re-scores every lead of the workspace. */
  leadRescore: (workspaceId: string, unique: string) => `lead-rescore-${workspaceId}-${unique}`,
  /** One per segment: its latest rules version's backfill (an edit replaces the run under the same id). */
  segmentBackfill: (segmentId: string) => `segment-backfill-${segmentId}`,
  outboxSweep: () => 'signalbox-outbox-sweep',
  retention: () => 'signalbox-retention',
};
