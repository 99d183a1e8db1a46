/** A visiting company as the API shows it (Salespanel's snake_case). */
import { z } from 'zod';
import type { CompanyDoc } from '../../core/companies/company.model';
import { isoDate } from '../http/common-schemas';

const text = z.string().nullable();

export const companyViewSchema = z
  .object({
    id: z.string().meta({ example: 'cmp_0a1b2c3d4e5f6a7b8c9d0e1f' }),
    domain: z.string().meta({ example: 'techcorp.com' }),
    name: text,
    page_visits: z.number().int(),
    visitor_count: z.number().int(),
    first_seen: isoDate,
    last_seen: isoDate,
  })
  .meta({ id: 'Company' });

export function companyView(c: CompanyDoc): z.infer<typeof companyViewSchema> {
  return {
    id: c._id,
    domain: c.domain,
    name: c.name ?? null,
    page_visits: c.pageVisits,
    visitor_count: c.visitorCount,
    first_seen: c.firstSeenAt.toISOString(),
    last_seen: c.lastSeenAt.toISOString(),
  };
}
