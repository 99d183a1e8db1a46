/**
 * Hands what a batch changed to the identified people's workflows: one signal-with-start per
 * person per applied batch (not per event), and at most one per person per PERSON_SCORE_INTERVAL
 * from this process. A batch skipped that way is still scored: the person's workflow scores once
 * more an interval after every scoring that facts triggered (it reads everything stored). The
 * first identification starts the person's workflow this way.
 */
import type { Deps } from '../platform/deps';
import { personWorkflowStart } from './person-workflow-start';
import type { VisitorDoc } from '../visitors/visitor.model';
import type { VisitorEvent } from '../visitors/visitor-types';
import { personFactsSignal, personWorkflow, type PersonFacts } from '../../workflows';

export interface AppliedToVisitor {
  visitor: VisitorDoc;
  applied: readonly VisitorEvent[];
}

/** When this process last signalled each person (ms) and with which IP; bounded, oldest dropped first. */
const lastSignalled = new Map<string, { at: number; ip: string | null }>();
const REMEMBERED_PEOPLE = 50_000;

export async function signalPersonPipelines(deps: Deps, batches: readonly AppliedToVisitor[]): Promise<void> {
  if (!deps.config.PERSON_PIPELINE) return;
  const now = Date.now();
  const due = batches.filter(isPersonBatch).filter((batch) => {
    const last = lastSignalled.get(batch.visitor._id);
    // A new IP is always handed over: it is the ip-network provider's input, which the workflow only learns from a signal.
    return !last || now - last.at >= deps.config.PERSON_SCORE_INTERVAL || (latestIp(batch) !== null && latestIp(batch) !== last.ip);
  });
  await Promise.all(due.map((batch) => signalPerson(deps, batch)));
  for (const batch of due) remember(batch.visitor._id, { at: now, ip: latestIp(batch) });
}

function latestIp({ applied }: AppliedToVisitor): string | null {
  return [...applied].reverse().find((e) => e.context?.ip)?.context.ip ?? null;
}

/** Recorded after the signal went out: a failed signal is sent again when the batch is retried. */
function remember(visitorId: string, signal: { at: number; ip: string | null }): void {
  lastSignalled.delete(visitorId);
  lastSignalled.set(visitorId, signal);
  if (lastSignalled.size > REMEMBERED_PEOPLE) lastSignalled.delete(lastSignalled.keys().next().value as string);
}

/** An identified visitor (with a lead) that is not merged away, and something applied to it. */
function isPersonBatch({ visitor, applied }: AppliedToVisitor): boolean {
  return visitor.leadId !== null && !visitor.mergedInto && applied.some((e) => e.type !== 'merge_visitor');
}

async function signalPerson(deps: Deps, { visitor, applied }: AppliedToVisitor): Promise<void> {
  const latest = applied.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a));
  const ip = latestIp({ visitor, applied });
  const facts: PersonFacts = { at: latest.timestamp, ip, email: visitor.email };
  const { args, ...options } = personWorkflowStart(deps.config, visitor, ip);
  await deps.temporal.workflow.signalWithStart(personWorkflow, { ...options, args: [...args], signal: personFactsSignal, signalArgs: [facts] });
}
