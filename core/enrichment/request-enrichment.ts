import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { personWorkflowStart } from '../people/person-workflow-start';
import { leadRepository } from '../leads/lead.repository';
import { visitorRepository } from '../visitors/visitor.repository';
import { enrichNowSignal, personWorkflow } from '../../workflows';

/**
 * POST /leads/:id/enrich: every enabled provider runs again now, bypassing the cache, in the
 * person's workflow (started if it was idle). The lead is re-scored with what comes back.
 */
export async function requestEnrichment(deps: Deps, input: { workspaceId: string; leadId: string }): Promise<{ workflowId: string }> {
  const lead = await leadRepository.findInWorkspace(input.workspaceId, input.leadId);
  if (!lead) throw AppError.notFound('Lead');
  const visitor = lead.visitorId ? await visitorRepository.findById(lead.visitorId) : null;
  if (!visitor || visitor.mergedInto) throw new AppError('conflict', 'This lead has no tracked person to enrich');
  const { args, ...options } = personWorkflowStart(deps.config, visitor);
  await deps.temporal.workflow.signalWithStart(personWorkflow, { ...options, args: [...args], signal: enrichNowSignal, signalArgs: [] });
  return { workflowId: options.workflowId };
}
