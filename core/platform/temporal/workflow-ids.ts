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
  outboxSweep: () => 'signalbox-outbox-sweep',
  retention: () => 'signalbox-retention',
};
