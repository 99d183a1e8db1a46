/** The workflow bundle's entry point: every workflow the worker runs. */
export { provisionWorkspaceWorkflow } from './provision-workspace.workflow';
export type { ProvisionWorkspaceInput } from './provision-workspace.workflow';
export { deliverWebhookWorkflow, deliveryStateQuery, retryNowSignal, cancelDeliverySignal, endSeriesSignal } from './deliver-webhook.workflow';
export type { DeliverWebhookInput, DeliveryState } from './deliver-webhook.workflow';
export { outboxSweepWorkflow, retentionWorkflow } from './maintenance.workflow';
export { visitorWorkflow, visitorEventsSignal, visitorStateQuery } from './visitor.workflow';
export type { VisitorWorkflowInput, VisitorPipelineState } from './visitor.workflow';
export { ingestPartitionWorkflow, ingestPartitionEventsSignal, ingestPartitionStateQuery } from './ingest-partition.workflow';
export type { IngestPartitionInput, IngestPartitionState } from './ingest-partition.workflow';
export { recoverDeliveriesWorkflow, recoveryProgressQuery } from './recover-deliveries.workflow';
export type { RecoverDeliveriesInput, RecoveryPosition, RecoveryProgress } from './recover-deliveries.workflow';
export { webhookDispatchWorkflow, webhookDispatchStateQuery } from './webhook-dispatch.workflow';
export type { WebhookDispatchInput, WebhookDispatchState } from './webhook-dispatch.workflow';
export { endpointCircuitWorkflow, endpointStateQuery, probeNowSignal } from './endpoint-circuit.workflow';
export type { EndpointCircuitInput, EndpointCircuitState } from './endpoint-circuit.workflow';
