import { z } from 'zod';
import { scoringRulesSchema } from '../../core/scoring/scoring-rules';
import { getScoring, type ScoringOverview } from '../../core/scoring/get-scoring';
import { updateScoringRules } from '../../core/scoring/update-scoring-rules';
import type { ApiDeps } from '../deps';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';
import { isoDate } from '../http/common-schemas';

const rescoreSchema = z
  .object({
    workflow_id: z.string().meta({ description: 'The `lead-rescore-…` workflow: open it in the Temporal UI' }),
    status: z.enum(['running', 'completed', 'canceled', 'unknown']).meta({ description: '`canceled`: a newer edit replaced it' }),
    processed: z.number().int().optional(),
    total: z.number().int().optional(),
    changed: z.number().int().optional().meta({ description: 'Leads whose grade changed' }),
    started_at: isoDate.optional(),
    finished_at: isoDate.nullable().optional(),
  })
  .nullable()
  .meta({ description: 'The re-score started by the latest rules edit; null before the first edit' });

const scoringViewSchema = z
  .object({
    rules: scoringRulesSchema,
    is_default: z.boolean().meta({ description: 'True until the rules are edited' }),
    rescore: rescoreSchema,
  })
  .meta({ id: 'Scoring' });

function scoringView(o: ScoringOverview): z.infer<typeof scoringViewSchema> {
  const r = o.rescore;
  const rescore = !r ? null : 'processed' in r ? { workflow_id: r.workflowId, status: r.status, processed: r.processed, total: r.total, changed: r.changed, started_at: r.startedAt, finished_at: r.finishedAt } : { workflow_id: r.workflowId, status: r.status };
  return { rules: o.rules, is_default: o.isDefault, rescore };
}

/** Lead scoring rules per workspace: what earns points, how fast they decay, and the grade thresholds. */
export function registerScoringRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route({
    method: 'get',
    path: '/scoring',
    summary: 'Get the lead scoring rules',
    description: 'The rules in force (the defaults until edited) and the progress of the re-score the latest edit started.',
    tags: ['Scoring'],
    auth: 'secret',
    scope: 'read',
    responses: { 200: { description: 'Rules and re-score progress', schema: scoringViewSchema } },
    handler: async ({ res }) => ({ status: 200, body: scoringView(await getScoring(deps, { workspaceId: authOf(res).workspace._id })) }),
  });

  api.route({
    method: 'put',
    path: '/scoring',
    summary: 'Replace the lead scoring rules',
    description:
      'Replaces the rules and re-scores every lead under them in a `lead-rescore-…` workflow (progress on GET /scoring and in the Temporal UI). The re-score emits no webhooks unless `?emit=true`; from then on, people are scored with the new rules as they act.',
    tags: ['Scoring'],
    auth: 'secret',
    scope: 'write',
    query: z.object({ emit: z.enum(['true', 'false']).default('false').meta({ description: 'Emit lead.scored / prospect.qualified for what the re-score changes' }) }),
    body: scoringRulesSchema,
    responses: { 200: { description: 'Stored; the re-score is running', schema: scoringViewSchema } },
    handler: async ({ query, body, res }) => {
      const workspaceId = authOf(res).workspace._id;
      await updateScoringRules(deps, { workspaceId, rules: body, emit: query.emit === 'true' });
      return { status: 200, body: scoringView(await getScoring(deps, { workspaceId })) };
    },
  });
}
