import { Agent } from 'undici';
import { createGuardedLookup, type TargetPolicy } from './ssrf';

/** The per-request deadline is usually shorter; this only bounds a connect on a long deadline. */
const CONNECT_TIMEOUT_CAP_MS = 10_000;

/**
 * Keep-alive connection pools whose DNS lookups go through the SSRF guard, one per policy: for
 * every outgoing request to a user-configured URL (webhooks, the HTTP enrichment provider).
 */
export function createGuardedAgentPool() {
  const agentsByPolicy = new Map<boolean, Agent>();
  return {
    agentFor(policy: TargetPolicy): Agent {
      let agent = agentsByPolicy.get(policy.allowPrivate);
      if (!agent) {
        agent = new Agent({ connect: { lookup: createGuardedLookup(policy), timeout: CONNECT_TIMEOUT_CAP_MS } });
        agentsByPolicy.set(policy.allowPrivate, agent);
      }
      return agent;
    },
    /** Closes the pooled connections (worker shutdown, tests); later requests open new pools. */
    async close(): Promise<void> {
      const agents = [...agentsByPolicy.values()];
      agentsByPolicy.clear();
      await Promise.all(agents.map((agent) => agent.close()));
    },
  };
}
