import { AppError } from '../platform/errors';
import type { EventPayload } from '../events/payloads';
import { leadEventData } from './lead-payload';
import type { LeadDoc } from './lead.model';
import { leadRepository } from './lead.repository';
import { emittedEventIdFor } from '../visitors/visitor-ids';
import { emitEvent } from '../events/emit-event';
import type { Deps } from '../platform/deps';

export type LeadPatch = Partial<Pick<LeadDoc, 'status' | 'value'>>;
type Changes = EventPayload<'lead.updated'>['changes'];

/**
 * PATCH of a lead's status and value. Only fields whose value really changes are written; when
 * any did, lead.updated goes out with `changes` (`from` → `to`). No change: no write, no event.
 */
export async function updateLead(deps: Deps, { workspaceId, leadId: id, patch }: { workspaceId: string; leadId: string; patch: LeadPatch }): Promise<LeadDoc> {
  const lead = await leadRepository.findInWorkspace(workspaceId, id);
  if (!lead) throw AppError.notFound('Lead');
  const changes = diff(lead, patch);
  if (Object.keys(changes).length === 0) return lead;

  const updatedAt = new Date();
  const set = { ...(changes.status ? { status: patch.status } : {}), ...(changes.value ? { value: patch.value } : {}) };
  const updated = await leadRepository.update(lead._id, { ...set, updatedAt });
  if (!updated) throw AppError.notFound('Lead');
  // The id is derived from this update, so emitting it again (a retry) stores and delivers it once.
  await emitEvent(deps, {
    workspaceId,
    type: 'lead.updated',
    id: emittedEventIdFor(`${lead._id}@${updatedAt.toISOString()}`, 'lead.updated'),
    data: { ...leadEventData(updated), updated_at: updatedAt.toISOString(), changes },
  });
  return updated;
}

function diff(lead: LeadDoc, patch: LeadPatch): Changes {
  const changes: Changes = {};
  if (patch.status !== undefined && patch.status !== lead.status) changes.status = { from: lead.status, to: patch.status };
  if (patch.value !== undefined && patch.value !== (lead.value ?? null)) changes.value = { from: lead.value ?? null, to: patch.value };
  return changes;
}
