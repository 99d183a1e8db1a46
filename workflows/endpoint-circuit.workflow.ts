import { condition, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { searchAttributes } from '../core/platform/temporal/search-attributes';

export interface EndpointCircuitInput {
  workspaceId: string;
  subscriptionId: string;
  /** WEBHOOK_CIRCUIT_PROBE_SCHEDULE: delays between probes; the last one repeats. */
  probeScheduleMs: number[];
}

export interface EndpointCircuitState {
  subscriptionId: string;
  /** `probing`: the circuit is open; `draining`: the endpoint answered, its backlog goes out oldest first. */
  status: 'probing' | 'draining' | 'closed' | 'gone';
  probes: number;
  nextProbeAt: string | null;
  lastProbe: { at: string; httpStatus: number | null; errorClass: string | null; ok: boolean } | null;
  /** Waiting deliveries sent since the circuit closed. */
  drained: number;
}

export const endpointStateQuery = defineQuery<EndpointCircuitState>('state');
/** Probe now instead of at the next scheduled time (an operator who fixed the endpoint). */
export const probeNowSignal = defineSignal('probeNow');

const DRAIN_PAGE = 500;

/**
 * `endpoint-<subscription>`: runs while an endpoint's circuit is open. Its deliveries wait in the
 * database meanwhile (no workflow each), so a subscriber's outage costs rows, not memory. Probes
 * the endpoint on a backoff with its oldest waiting delivery; once it answers, sends the backlog
 * oldest first in pages and ends. A deleted or disabled subscription ends it (what waited is canceled).
 */
export async function endpointCircuitWorkflow(input: EndpointCircuitInput): Promise<EndpointCircuitState> {
  const { probeEndpoint, drainEndpoint } = proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const state: EndpointCircuitState = { subscriptionId: input.subscriptionId, status: 'probing', probes: 0, nextProbeAt: null, lastProbe: null, drained: 0 };
  let probeNow = false;
  setHandler(endpointStateQuery, () => state);
  setHandler(probeNowSignal, () => void (probeNow = true));

  let failedProbes = 0;
  for (;;) {
    const delay = input.probeScheduleMs[Math.min(failedProbes, input.probeScheduleMs.length - 1)];
    state.nextProbeAt = new Date(Date.now() + delay).toISOString();
    await condition(() => probeNow, delay);
    probeNow = false;
    state.nextProbeAt = null;
    const probe = await probeEndpoint({ subscriptionId: input.subscriptionId });
    state.probes++;
    state.lastProbe = { at: new Date().toISOString(), httpStatus: probe.httpStatus ?? null, errorClass: probe.errorClass ?? null, ok: probe.outcome === 'recovered' };
    if (probe.outcome === 'gone') return finish(state, 'gone');
    if (probe.outcome === 'down') {
      failedProbes++;
      continue;
    }
    setStatus(state, 'draining');
    for (;;) {
      const page = await drainEndpoint({ subscriptionId: input.subscriptionId, limit: DRAIN_PAGE });
      state.drained += page.sent;
      if (page.gone) return finish(state, 'gone');
      if (page.reopened) break;
      if (!page.more) return finish(state, 'closed');
    }
    // Failed again while draining: back to probing, from the start of the backoff.
    failedProbes = 0;
    setStatus(state, 'probing');
  }
}

function finish(state: EndpointCircuitState, status: EndpointCircuitState['status']): EndpointCircuitState {
  setStatus(state, status);
  return state;
}

function setStatus(state: EndpointCircuitState, status: EndpointCircuitState['status']): void {
  state.status = status;
  upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
}
