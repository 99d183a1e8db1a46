import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Deps } from '../core/platform/deps';
import { leadRepository } from '../core/leads/lead.repository';
import { enrichPerson as enrich, type EnrichOutcome, type EnrichPersonInput } from '../core/enrichment/enrich-person';
import { planEnrichment, type EnrichmentPlan } from '../core/enrichment/plan-enrichment';
import { ProviderError } from '../core/enrichment/provider-error';
import { scorePerson as score, type ScorePersonInput, type ScorePersonResult } from '../core/scoring/score-person';
import { rescoreLeadsPage as rescorePage, type RescorePageInput, type RescorePageResult } from '../core/scoring/rescore-leads';

export function createPersonPipelineActivities(deps: Deps) {
  return {
    /** Local activity of personWorkflow: which providers to run and how to retry them. */
    async planPersonEnrichment(input: { workspaceId: string; visitorId: string; ip: string | null; force: boolean }): Promise<EnrichmentPlan> {
      return planEnrichment(deps.config, input);
    },

    /** Local activity of personWorkflow: scores the person and emits what changed. */
    async scorePerson(input: ScorePersonInput): Promise<ScorePersonResult | null | 'unchanged'> {
      return score(deps, input);
    },

    /**
     * Runs on the provider's own task queue (`<queue>-enrich-<provider>`), whose workers carry the
     * provider's rate limit. A provider error that retrying cannot fix (4xx, garbage) fails at once;
     * the rest are retried with backoff by Temporal.
     */
    async enrichPerson(input: Omit<EnrichPersonInput, 'attempt'>): Promise<{ outcome: EnrichOutcome; companyRevealed: boolean }> {
      try {
        return await enrich(deps, { ...input, attempt: Context.current().info.attempt });
      } catch (err) {
        if (err instanceof ProviderError) throw ApplicationFailure.create({ type: err.errorClass, message: err.message.slice(0, 500), nonRetryable: !err.retryable });
        throw err;
      }
    },

    /** Local activity of leadRescoreWorkflow: how many leads the walk will visit. */
    async countWorkspaceLeads(input: { workspaceId: string }): Promise<number> {
      return leadRepository.countInWorkspace(input.workspaceId);
    },

    /** One page of a re-score walk (bounded concurrency inside), heartbeating its position. */
    async rescoreLeadsPage(input: RescorePageInput): Promise<RescorePageResult> {
      return rescorePage(deps, input, (done) => Context.current().heartbeat(done));
    },
  };
}
