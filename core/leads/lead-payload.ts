import type { EventPayload } from '../events/payloads';
import type { LeadDoc } from './lead.model';

export type LeadEventData = EventPayload<'lead.created'>;

/** A lead as every lead event carries it: exactly the lead.created payload (snake_case, nulls kept). */
export function leadEventData(lead: LeadDoc): LeadEventData {
  return {
    id: lead._id,
    visitor_id: lead.visitorId,
    full_name: lead.fullName ?? null,
    email: lead.email ?? null,
    phone: lead.phone ?? null,
    lead_source: lead.leadSource ?? null,
    utm_source: lead.utmSource ?? null,
    utm_medium: lead.utmMedium ?? null,
    utm_campaign: lead.utmCampaign ?? null,
    status: lead.status,
    value: lead.value ?? null,
    created_at: lead.createdAt.toISOString(),
  };
}
