/**
 * Every mongoose model, so start-up can create each one's declared indexes (real MongoDB relies on
 * them for lists, the sweep and retention) and a test can check none is missing. A new model is
 * added here; the index test fails for a model that is registered with mongoose but not listed.
 */
import { ApiKeyModel } from './api-key.model';
import { AttributeTypeModel } from './attribute-type.model';
import { CompanyModel } from './company.model';
import { DeliveryModel } from './delivery.model';
import { EventModel } from './event.model';
import { IngestEventModel } from './ingest-event.model';
import { IngestOutboxModel } from './ingest-outbox.model';
import { LeadModel } from './lead.model';
import { OrderModel } from './order.model';
import { ParkedEventModel } from './parked-event.model';
import { ActivityBucketModel } from './visitor-activity-bucket.model';
import { VisitorIdentityModel } from './visitor-identity.model';
import { VisitorModel } from './visitor.model';
import { WebhookSubscriptionModel } from './webhook-subscription.model';
import { WorkspaceModel } from './workspace.model';

export const allModels = [ApiKeyModel, AttributeTypeModel, CompanyModel, DeliveryModel, EventModel, IngestEventModel, IngestOutboxModel, LeadModel, OrderModel, ParkedEventModel, ActivityBucketModel, VisitorIdentityModel, VisitorModel, WebhookSubscriptionModel, WorkspaceModel];
