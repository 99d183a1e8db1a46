/** A visiting company as the API shows it (Salespanel's snake_case). */
import { z } from 'zod';
import type { CompanyDoc } from '../../core/companies/company.model';
import { isoDate } from '../http/common-schemas';
import { segmentStandingRepository } from '../../core/segments/segment-standing.repository';

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
    qualified_segments: z.array(z.string()).meta({ description: 'Ids of the company segments the company qualifies for now' }),
  })
  .meta({ id: 'Company' });

export function companyView(c: CompanyDoc, segments: readonly string[] = []): z.infer<typeof companyViewSchema> {
  return {
    id: c._id,
    domain: c.domain,
    name: c.name ?? null,
    page_visits: c.pageVisits,
    visitor_count: c.visitorCount,
    first_seen: c.firstSeenAt.toISOString(),
    last_seen: c.lastSeenAt.toISOString(),
    qualified_segments: [...segments],
  };
}

/** Company objects for a page of companies, their segments read in one go. */
export async function companyViewsOf(companies: readonly CompanyDoc[]): Promise<Map<string, z.infer<typeof companyViewSchema>>> {
  const segments = await segmentStandingRepository.qualifiedFor(companies.map((c) => c._id));
  return new Map(companies.map((c) => [c._id, companyView(c, segments.get(c._id))]));
}
