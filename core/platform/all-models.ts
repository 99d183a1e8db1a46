/**
 * Every mongoose model, so start-up can create each one's declared indexes (real MongoDB relies on
 * them for lists, the sweep and retention) and a test can check none is missing. A new model is
 * added here; the index test fails for a model that is registered with mongoose but not listed.
 */
import { ApiKeyModel } from '../workspaces/api-key.model';
import { AttributeTypeModel } from '../visitors/attribute-type.model';
import { CompanyModel } from '../companies/company.model';
import { DeliveryModel } from '../webhooks/delivery.model';
import { FailedEventModel } from '../events/failed-event.model';
import { BacklogModel } from '../webhooks/delivery-backlog.model';
import { QueuedDeliveryModel } from '../webhooks/delivery-queue.model';
import { EndpointStateModel } from '../webhooks/endpoint-state.model';
import { EventModel } from '../events/event.model';
import { IngestEventModel } from '../ingest/ingest-event.model';
import { IngestOutboxModel } from '../ingest/ingest-outbox.model';
import { PartitionLeaseModel } from '../ingest/partition-lease.model';
import { SegmentModel } from '../segments/segment.model';
import { SegmentStandingsModel } from '../segments/segment-standing.model';
import { SegmentMemberModel } from '../segments/segment-member.model';
import { SegmentBackfillModel } from '../segments/segment-backfill.model';
import { LeadModel } from '../leads/lead.model';
import { OrderModel } from '../orders/order.model';
import { ParkedEventModel } from '../visitors/parked-event.model';
import { ActivityBucketModel } from '../visitors/visitor-activity-bucket.model';
import { VisitorIdentityModel } from '../visitors/visitor-identity.model';
import { VisitorModel } from '../visitors/visitor.model';
import { WebhookSubscriptionModel } from '../webhooks/webhook-subscription.model';
import { WorkspaceModel } from '../workspaces/workspace.model';
import { WorkspaceSettingModel } from '../workspaces/workspace-setting.model';
import { PersonEnrichmentModel } from '../enrichment/person-enrichment.model';
import { CompanyEnrichmentModel } from '../enrichment/company-enrichment.model';
import { EnrichmentCacheModel } from '../enrichment/enrichment-cache.model';
import { EnrichmentCallModel } from '../enrichment/enrichment-call.model';
import { LeadScoreModel } from '../scoring/lead-score.model';
import { PortalSessionModel } from '../portal/portal-session.model';
import { ConsoleSessionModel } from '../console/console-session.model';

export const allModels = [ApiKeyModel, AttributeTypeModel, CompanyModel, DeliveryModel, EndpointStateModel, EventModel, FailedEventModel, IngestEventModel, IngestOutboxModel, PartitionLeaseModel, LeadModel, OrderModel, ParkedEventModel, QueuedDeliveryModel, ActivityBucketModel, BacklogModel, VisitorIdentityModel, VisitorModel, WebhookSubscriptionModel, WorkspaceModel, PersonEnrichmentModel, CompanyEnrichmentModel, EnrichmentCacheModel, EnrichmentCallModel, LeadScoreModel, WorkspaceSettingModel, PortalSessionModel, ConsoleSessionModel, SegmentModel, SegmentStandingsModel, SegmentMemberModel, SegmentBackfillModel];
