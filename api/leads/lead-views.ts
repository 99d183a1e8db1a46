/** A lead as the API shows it (Persequor's snake_case): the lead.created payload plus updated_at. */
import type { z } from 'zod';
import { leadCreatedPayloadSchema } from '../../core/events/payloads';
import { leadEventData } from '../../core/leads/lead-payload';
import type { LeadDoc } from '../../core/leads/lead.model';
import { isoDate } from '../http/common-schemas';

export const leadViewSchema = leadCreatedPayloadSchema.extend({ updated_at: isoDate }).meta({ id: 'Lead' });

export function leadView(lead: LeadDoc): z.infer<typeof leadViewSchema> {
  return { ...leadEventData(lead), updated_at: lead.updatedAt.toISOString() };
}
