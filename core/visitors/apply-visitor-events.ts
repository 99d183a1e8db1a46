import { sendToVisitor } from '../ingest/send-to-visitor';
import type { Deps } from '../platform/deps';
import type { VisitorDoc } from './visitor.model';
import { ingestRepository } from '../ingest/ingest.repository';
import { visitorRepository } from './visitor.repository';
import { newVisitor } from './new-visitor';
import type { VisitorEvent } from './visitor-types';
import { applyOneEvent, type Outcome } from './apply-event';

export interface ApplyVisitorEventsInput {
  workspaceId: string;
  visitorId: string;
  events: VisitorEvent[];
  /**
   * Ids the workflow dropped because it had already applied them: a copy accepted again (a
   * repeated messageId racing the first copy) may still wait in the outbox.
   */
  settledIds?: string[];
}

/** Applied-event ids a visitor remembers, so a batch retried after its save is not applied twice. */
const RECENT_EVENT_IDS = 200;

/**
 * Applies a batch of one visitor's events in order and saves the visitor once. Every step is
 * safe to repeat: timeline entries, identities, leads, orders and emitted events have
 * deterministic ids, and the saved visitor remembers which events it already contains. A batch
 * that meets a merge (an anonymous visitor identified as a known person) hands the rest of the
 * batch, after a merge instruction, to that person's workflow.
 */
export async function applyVisitorEvents(deps: Deps, input: ApplyVisitorEventsInput): Promise<{ email: string | null }> {
  await Promise.all((input.settledIds ?? []).map((id) => ingestRepository.removeFromOutbox(id)));
  if (input.events.length === 0) return { email: null };
  const now = new Date();
  const first = input.events[0];
  let visitor: VisitorDoc = (await visitorRepository.findById(input.visitorId)) ?? newVisitor(input.workspaceId, input.visitorId, first?.key ?? `id:${input.visitorId}`, now);
  const applied: VisitorEvent[] = [];

  for (let i = 0; i < input.events.length; i++) {
    const event = input.events[i];
    if (visitor.mergedInto) return forwardRest(deps, visitor, applied, input.events.slice(i), []);
    if (visitor.recentEventIds.includes(event.id) || (await wasAppliedBefore(event))) {
      applied.push(event);
      continue;
    }
    const outcome: Outcome = await applyOneEvent(deps, visitor, event, now);
    if (outcome.kind === 'merge') {
      // This (anonymous) visitor is a known person: save it as merged, then let the person's
      // workflow absorb its history and apply this event and the rest of the batch.
      visitor = { ...outcome.visitor, mergedInto: outcome.into, updatedAt: now };
      const mergeEvent: VisitorEvent = {
        id: `mrg_${visitor._id}`,
        workspaceId: visitor.workspaceId,
        visitorId: outcome.into,
        key: `id:${outcome.into}`,
        type: 'merge_visitor',
        timestamp: now.getTime(),
        receivedAt: now.getTime(),
        messageId: null,
        context: event.context,
        data: { source_visitor_id: visitor._id },
      };
      return forwardRest(deps, visitor, applied, input.events.slice(i), [mergeEvent]);
    }
    visitor = outcome.visitor;
    visitor.recentEventIds = [...visitor.recentEventIds, event.id].slice(-RECENT_EVENT_IDS);
    applied.push(event);
  }

  await saveAndRecord(visitor, applied);
  return { email: visitor.email };
}

async function forwardRest(deps: Deps, visitor: VisitorDoc, applied: VisitorEvent[], rest: VisitorEvent[], prefix: VisitorEvent[]): Promise<{ email: string | null }> {
  await saveAndRecord(visitor, applied);
  const target = visitor.mergedInto as string;
  const forwarded = [...prefix, ...rest.map((e): VisitorEvent => ({ ...e, visitorId: target, redelivered: true }))];
  await sendToVisitor(deps, { workspaceId: visitor.workspaceId, visitorId: target, events: forwarded });
  return { email: visitor.email };
}

/**
 * The workflow's and the visitor's memories of recent event ids catch repeats of a first hand-over
 * (activity retries, a racing messageId repeat). Only an event handed over again (the sweep, a
 * forward after a merge) may have been applied longer ago than they remember, so only those read
 * the processed log: a pipeline that is behind pays no extra read per event.
 */
async function wasAppliedBefore(event: VisitorEvent): Promise<boolean> {
  return event.redelivered === true && ingestRepository.isProcessed(event.id);
}

/** Save first, then log and clear the outbox: a crash in between only repeats harmless steps. */
async function saveAndRecord(visitor: VisitorDoc, applied: VisitorEvent[]): Promise<void> {
  await visitorRepository.save({ ...visitor, updatedAt: new Date() });
  const appliedAt = new Date();
  await Promise.all(
    applied.map(async (event) => {
      if (event.type !== 'merge_visitor') {
        await ingestRepository.recordProcessed({
          _id: event.id,
          workspaceId: event.workspaceId,
          visitorId: event.visitorId,
          type: event.type,
          messageId: event.messageId,
          receivedAt: new Date(event.receivedAt),
          appliedAt,
          appliedTo: visitor._id,
        });
      }
      await ingestRepository.removeFromOutbox(event.id);
    }),
  );
}
