import { ActivityFailure, ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnrichmentPlan } from '../core/enrichment/plan-enrichment';
import type { ProviderName } from '../core/enrichment/enrichment-settings';
import { searchAttributes } from '../core/platform/temporal/search-attributes';
import { enrichmentTaskQueue } from '../core/platform/temporal/task-queues';

export interface PersonWorkflowInput {
  workspaceId: string;
  visitorId: string;
  email: string | null;
  /** Latest IP known to the pipeline (the ip-network provider's input; not stored on the visitor). */
  ip?: string | null;
  /** Carried over continue-as-new. */
  carried?: { score: number | null; grade: string | null; nextChangeAt: number | null; scorings: number; factsReceived: number; dirty: boolean; lastScoredAt: number };
  /** Facts arriving within this long of the last scoring wait and are scored together (PERSON_SCORE_INTERVAL). */
  scoreIntervalMs?: number;
  /** History length at which the run continues as new (default 2,000; tests use less). */
  historyLimit?: number;
  /** How long the workflow waits idle (no timer, nothing running) before it ends (default 30 min). */
  idleMs?: number;
}

/** New facts about the person: one signal per applied batch of its events, not per event. */
export interface PersonFacts {
  /** Time of the newest event in the batch (ms). */
  at: number;
  ip: string | null;
  email: string | null;
}

export type ProviderRunStatus = 'running' | 'ok' | 'cache_hit' | 'skipped' | 'disabled' | 'failed';

export interface PersonPipelineState {
  workspaceId: string;
  visitorId: string;
  email: string | null;
  score: number | null;
  grade: string | null;
  scorings: number;
  factsReceived: number;
  /** When the decay timer fires next (ISO), or null. */
  nextChangeAt: string | null;
  enrichment: Record<string, { status: ProviderRunStatus; error: string | null; finishedAt: string | null }>;
}

export const personFactsSignal = defineSignal<[PersonFacts]>('personFacts');
/** POST /leads/:id/enrich: run every enabled provider again, bypassing the cache. */
export const enrichNowSignal = defineSignal('enrichNow');
/** A re-score under new rules moved the next grade change: the timer follows (no scoring here). */
export const personRescheduleSignal = defineSignal<[number | null]>('reschedule');
/** A segment backfill found a membership that ends at this time: wake by then (an earlier timer stays). */
export const personWakeBySignal = defineSignal<[number]>('wakeBy');
export const personStateQuery = defineQuery<PersonPipelineState>('state');

/** `stale`: run the providers whose answer is missing or stale; `all`: every enabled one, bypassing the cache. */
type EnrichRequest = 'stale' | 'all' | null;

const MAX_HISTORY = 2_000;
const IDLE_MS = 30 * 60_000;
const SCORE_INTERVAL_MS = 5_000;
const CLOCK_MARGIN_MS = 1_000;
/** Shortest timer: a grade change due now is scored on the next wake, never in a tight loop. */
const MIN_WAIT_MS = 1_000;

// Scoring and planning read and write a few documents: local activities (a marker each, no task).
const { scorePerson, planPersonEnrichment } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The entity workflow of one identified person (`person-<workspace>-<visitor>`): enriches it with
 * every enabled provider (each on its own rate-limited task queue, in the background: a provider
 * that is down is retried with backoff and never holds up scoring), scores it whenever facts
 * arrive or a provider answers, and sleeps on a durable timer until its grade would decay. Ends
 * after idling with no timer due (the next fact starts it again through signal-with-start).
 */
export async function personWorkflow(input: PersonWorkflowInput): Promise<PersonPipelineState> {
  const carried = input.carried;
  const state: PersonPipelineState = {
    workspaceId: input.workspaceId,
    visitorId: input.visitorId,
    email: input.email,
    score: carried?.score ?? null,
    grade: carried?.grade ?? null,
    scorings: carried?.scorings ?? 0,
    factsReceived: carried?.factsReceived ?? 0,
    nextChangeAt: carried?.nextChangeAt ? new Date(carried.nextChangeAt).toISOString() : null,
    enrichment: {},
  };
  let ip = input.ip ?? null;
  let dirty = carried?.dirty ?? true;
  let factsSinceScoring = false;
  let enrichRequested: EnrichRequest = carried ? null : 'stale';
  let nextChangeAt = carried?.nextChangeAt ?? null;
  let running = 0;
  // Every handler and every finished provider bumps `changes`: the loop looks again after each.
  let changes = 0;
  const scoreIntervalMs = input.scoreIntervalMs ?? SCORE_INTERVAL_MS;
  setHandler(personStateQuery, () => state);
  setHandler(personFactsSignal, (facts) => {
    changes++;
    state.factsReceived++;
    dirty = true;
    factsSinceScoring = true;
    if (facts.email && !state.email) state.email = facts.email;
    if (facts.ip && facts.ip !== ip) {
      ip = facts.ip;
      enrichRequested ??= 'stale'; // a new IP may be a new network
    }
  });
  setHandler(enrichNowSignal, () => {
    changes++;
    enrichRequested = 'all';
  });
  setHandler(personRescheduleSignal, (at) => {
    changes++;
    nextChangeAt = at;
    state.nextChangeAt = at ? new Date(at).toISOString() : null;
  });
  setHandler(personWakeBySignal, (at) => {
    if (nextChangeAt !== null && nextChangeAt <= at) return;
    changes++;
    nextChangeAt = at;
    state.nextChangeAt = new Date(at).toISOString();
  });

  const enrich = (plan: EnrichmentPlan, force: boolean): void => {
    for (const provider of plan.due) {
      if (state.enrichment[provider]?.status === 'running') continue;
      state.enrichment[provider] = { status: 'running', error: null, finishedAt: null };
      running++;
      void runProvider(input, provider, plan, ip, force)
        .then((outcome) => {
          state.enrichment[provider] = { status: outcome, error: null, finishedAt: new Date().toISOString() };
          if (outcome === 'ok' || outcome === 'cache_hit') dirty = true;
        })
        .catch((err: unknown) => {
          state.enrichment[provider] = { status: 'failed', error: failureMessage(err), finishedAt: new Date().toISOString() };
        })
        .finally(() => {
          running--;
          changes++;
        });
    }
  };

  const takeEnrichRequest = (): EnrichRequest => {
    const request = enrichRequested;
    enrichRequested = null;
    return request;
  };

  let lastScoredAt = carried?.lastScoredAt ?? 0;
  let lastScoringStartedAt = lastScoredAt;
  // Facts the ingest side did not signal (it signals a person at most once per interval) are
  // picked up by one more scoring an interval after each scoring that signalled facts triggered.
  let followUpAt: number | null = null;
  let idleSince = Date.now();
  const timer = new WakeTimer();
  for (;;) {
    const now = Date.now();
    const scoreAt = dirty ? lastScoredAt + scoreIntervalMs : null;
    // While a provider is still being retried there is no idle limit: its answer must be scored.
    const idleAt = !dirty && nextChangeAt === null && followUpAt === null && running === 0 ? idleSince + (input.idleMs ?? IDLE_MS) : null;
    const wakeAt = earliest(scoreAt, nextChangeAt, followUpAt, idleAt);
    if (enrichRequested === null && (wakeAt === null || wakeAt > now)) {
      timer.arm(wakeAt);
      const seen = changes;
      await condition(() => changes !== seen || timer.fired);
      timer.fired = false;
    }
    const request = takeEnrichRequest();
    if (request) {
      const force = request === 'all';
      enrich(await planPersonEnrichment({ workspaceId: input.workspaceId, visitorId: input.visitorId, ip, force }), force);
    }
    const at = Date.now();
    const followUpDue = followUpAt !== null && followUpAt <= at;
    if ((dirty && lastScoredAt + scoreIntervalMs <= at) || (nextChangeAt !== null && nextChangeAt <= at) || followUpDue) {
      // A follow-up alone scores only if the visitor was saved after the last scoring began to read
      // (less a second for clocks of other processes): a write during that read is not missed.
      const changedSince = !dirty && followUpDue && !(nextChangeAt !== null && nextChangeAt <= at) ? lastScoringStartedAt - CLOCK_MARGIN_MS : undefined;
      const followUp = factsSinceScoring;
      dirty = false;
      factsSinceScoring = false;
      lastScoringStartedAt = at;
      await score(input, state, changedSince);
      nextChangeAt = state.nextChangeAt ? Date.parse(state.nextChangeAt) : null;
      lastScoredAt = Date.now();
      followUpAt = followUp ? lastScoredAt + scoreIntervalMs : null;
      idleSince = lastScoredAt;
    } else if (idleAt !== null && idleAt <= at && !dirty && running === 0 && nextChangeAt === null && followUpAt === null) {
      return state; // idle with nothing due: the next fact starts a new run
    }
    if (workflowInfo().historyLength > (input.historyLimit ?? MAX_HISTORY) && running === 0 && !enrichRequested) {
      await continueAsNew<typeof personWorkflow>({
        ...input,
        email: state.email,
        ip,
        carried: { score: state.score, grade: state.grade, nextChangeAt, scorings: state.scorings, factsReceived: state.factsReceived, dirty, lastScoredAt },
      });
    }
  }
}

function earliest(...times: Array<number | null>): number | null {
  const set = times.filter((t): t is number => t !== null);
  return set.length ? Math.min(...set) : null;
}

/**
 * One durable timer for the earliest thing due (a coalesced scoring, the decay, the idle limit),
 * re-armed only when something is due sooner than it: a later deadline keeps the armed timer,
 * which may then fire early for nothing (the loop looks and arms again). Re-creating a timer on
 * every signal would add two history events per fact.
 */
class WakeTimer {
  fired = false;
  private armedAt: number | null = null;
  private scope: CancellationScope | null = null;

  arm(at: number | null): void {
    if (at === null || (this.armedAt !== null && this.armedAt <= at)) return;
    this.scope?.cancel();
    const scope = new CancellationScope();
    this.scope = scope;
    this.armedAt = at;
    scope
      .run(() => sleep(Math.max(at - Date.now(), MIN_WAIT_MS)))
      .then(
        () => {
          if (this.scope !== scope) return;
          this.scope = null;
          this.armedAt = null;
          this.fired = true;
        },
        () => undefined, // canceled: a sooner deadline replaced it
      );
  }
}

async function score(input: PersonWorkflowInput, state: PersonPipelineState, changedSince?: number): Promise<void> {
  const result = await scorePerson({ workspaceId: input.workspaceId, visitorId: input.visitorId, emit: true, changedSince });
  if (result === 'unchanged') return;
  state.scorings++;
  if (!result) {
    state.nextChangeAt = null;
    return;
  }
  if (result.grade !== state.grade) upsertSearchAttributes([{ key: searchAttributes.grade, value: result.grade }]);
  state.score = result.score;
  state.grade = result.grade;
  state.nextChangeAt = result.nextChangeAt !== null ? new Date(result.nextChangeAt).toISOString() : null;
}

/** One provider on its own task queue, with the retry policy the plan carries (from the worker's config). */
async function runProvider(input: PersonWorkflowInput, provider: ProviderName, plan: EnrichmentPlan, ip: string | null, force: boolean): Promise<ProviderRunStatus> {
  const { enrichPerson } = proxyActivities<Activities>({
    taskQueue: enrichmentTaskQueue(workflowInfo().taskQueue, provider),
    // Waiting in the queue behind the rate limit is expected; the timeout bounds one call.
    scheduleToStartTimeout: '1 hour',
    startToCloseTimeout: provider === 'http' ? plan.httpTimeoutMs + 10_000 : 60_000,
    retry: {
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: plan.retry.maximumIntervalMs,
      maximumAttempts: plan.retry.maximumAttempts,
    },
  });
  const result = await enrichPerson({ workspaceId: input.workspaceId, visitorId: input.visitorId, provider, ip, force });
  return result.outcome;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'error'}: ${cause.message}`.slice(0, 300);
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 300);
}
