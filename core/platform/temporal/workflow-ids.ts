/**
 * Readable workflow ids: an operator who knows a workspace or an entity id can type the
 * workflow id into the Temporal UI. One helper per workflow so ids are built in one place.
 */
export const workflowIds = {
  provisionWorkspace: (workspaceId: string) => `workspace-provision-${workspaceId}`,
  delivery: (deliveryId: string) => `delivery-${deliveryId}`,
  visitor: (workspaceId: string, visitorId: string) => `visitor-${workspaceId}-${visitorId}`,
  outboxSweep: () => 'signalbox-outbox-sweep',
  retention: () => 'signalbox-retention',
};
