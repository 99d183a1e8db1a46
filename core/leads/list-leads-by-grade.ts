import { encodeCursor, type Cursor } from '../platform/pagination';
import type { LeadStatus } from './lead-status';
import { leadRepository } from './lead.repository';
import type { LeadDoc } from './lead.model';
import { leadScoreRepository } from '../scoring/lead-score.repository';
import type { LeadGrade, LeadScoreDoc } from '../scoring/lead-score.model';

/**
 * GET /leads?grade=: walks the scores of that grade in the leads' order (newest lead first), so
 * the cursor is the leads' own. A `status` filter is applied to each page afterwards.
 */
export async function listLeadsByGrade(input: { workspaceId: string; grade: LeadGrade; limit: number; before?: Cursor; since?: Date; status?: LeadStatus }): Promise<{ rows: Array<{ lead: LeadDoc; score: LeadScoreDoc }>; nextBefore: string | null }> {
  const scores = await leadScoreRepository.listByGrade(input.workspaceId, input.grade, { limit: input.limit + 1, before: input.before, since: input.since });
  const page = scores.slice(0, input.limit);
  const leads = await Promise.all(page.map((s) => leadRepository.findById(s._id)));
  const rows = page.flatMap((score, i) => {
    const lead = leads[i];
    return lead && lead.workspaceId === input.workspaceId && (!input.status || lead.status === input.status) ? [{ lead, score }] : [];
  });
  const last = page.at(-1);
  return { rows, nextBefore: scores.length > input.limit && last ? encodeCursor(last.leadCreatedAt, last._id) : null };
}
