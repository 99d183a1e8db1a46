/**
 * Identified people (visitor and lead) written straight into the database, many at once (insertMany in chunks),
 * for tests and benchmarks that need a workspace's existing population, not its ingest.
 */
import { leadIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import { newVisitor } from '../../core/visitors/new-visitor';
import { VisitorModel, type VisitorDoc } from '../../core/visitors/visitor.model';
import { LeadModel, type LeadDoc } from '../../core/leads/lead.model';
import type { AttributeValue } from '../../core/visitors/visitor-types';

const CHUNK = 1_000;

/** `anonymous`: visitors that never identified (no email, no lead). */
export async function seedPeople(input: { workspaceId: string; count: number; prefix: string; attributes: (i: number) => Record<string, AttributeValue>; anonymous?: boolean; onProgress?: (done: number) => void }): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date();
  for (let from = 0; from < input.count; from += CHUNK) {
    const docs: VisitorDoc[] = [];
    const leads: LeadDoc[] = [];
    for (let i = from; i < Math.min(input.count, from + CHUNK); i++) {
      const key = `fp:${input.prefix}-${i}`;
      const visitor = newVisitor(input.workspaceId, visitorIdFor(input.workspaceId, key), key, now);
      ids.push(visitor._id);
      if (input.anonymous) {
        docs.push({ ...visitor, attributes: input.attributes(i), firstSeenAt: now, lastSeenAt: now });
        continue;
      }
      const email = `${input.prefix}-${i}@people.example`;
      docs.push({ ...visitor, email, identifiedAt: now, leadId: leadIdFor(visitor._id), attributes: input.attributes(i), firstSeenAt: now, lastSeenAt: now });
      leads.push({ _id: leadIdFor(visitor._id), workspaceId: input.workspaceId, visitorId: visitor._id, email, fullName: null, phone: null, leadSource: null, utmSource: null, utmMedium: null, utmCampaign: null, status: 'new', value: null, createdAt: now, updatedAt: now });
    }
    await VisitorModel.collection.insertMany(docs as never[], { ordered: false });
    if (leads.length) await LeadModel.collection.insertMany(leads as never[], { ordered: false });
    input.onProgress?.(ids.length);
  }
  return ids;
}
