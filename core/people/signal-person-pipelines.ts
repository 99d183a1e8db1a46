/**
 * Hands what a batch changed to the identified people's workflows: one signal-with-start per
 * person per applied batch (not per event), so a burst of page views costs one signal. The first
 * identification starts the person's workflow this way.
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

export async function signalPersonPipelines(deps: Deps, batches: readonly AppliedToVisitor[]): Promise<void> {
  if (!deps.config.PERSON_PIPELINE) return;
  await Promise.all(batches.filter(isPersonBatch).map((batch) => signalPerson(deps, batch)));
}

/** An identified visitor (with a lead) that is not merged away, and something applied to it. */
function isPersonBatch({ visitor, applied }: AppliedToVisitor): boolean {
  return visitor.leadId !== null && !visitor.mergedInto && applied.some((e) => e.type !== 'merge_visitor');
}

async function signalPerson(deps: Deps, { visitor, applied }: AppliedToVisitor): Promise<void> {
  const latest = applied.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a));
  const ip = [...applied].reverse().find((e) => e.context?.ip)?.context.ip ?? null;
  const facts: PersonFacts = { at: latest.timestamp, ip, email: visitor.email };
  const { args, ...options } = personWorkflowStart(deps.config, visitor, ip);
  await deps.temporal.workflow.signalWithStart(personWorkflow, { ...options, args: [...args], signal: personFactsSignal, signalArgs: [facts] });
}
