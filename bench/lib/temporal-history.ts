import { createTemporalClient } from '../../core/platform/temporal/client';
import type { Config } from '../../core/platform/config';

export interface HistoryCount {
  /** Per group (workflow type, or what `groupOf` names): executions (runs) and history events. */
  byGroup: Map<string, { runs: number; events: number }>;
  /** How long listing and fetching took (s). */
  seconds: number;
}

/**
 * Lists every workflow execution started since `since` through the client's visibility API
 * (continued-as-new runs are executions of their own, so each run is counted) and counts the
 * events of each one's history (running ones: so far), grouped by `groupOf` (default: workflow
 * type; return null to leave an execution out).
 */
export async function countHistoryEvents(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
  since: Date,
  groupOf: (wf: { workflowId: string; type: string }) => string | null = (wf) => wf.type,
): Promise<HistoryCount> {
  const started = performance.now();
  const client = createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const byGroup = new Map<string, { runs: number; events: number }>();
  try {
    const executions: Array<{ workflowId: string; runId: string; group: string }> = [];
    for await (const wf of client.workflow.list({ query: `StartTime >= '${since.toISOString()}'` })) {
      const group = groupOf({ workflowId: wf.workflowId, type: wf.type });
      if (group !== null) executions.push({ workflowId: wf.workflowId, runId: wf.runId, group });
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < executions.length) {
          const wf = executions[next++];
          const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
          const entry = byGroup.get(wf.group) ?? { runs: 0, events: 0 };
          entry.runs++;
          entry.events += history.events?.length ?? 0;
          byGroup.set(wf.group, entry);
        }
      }),
    );
  } finally {
    await client.connection.close();
  }
  return { byGroup, seconds: (performance.now() - started) / 1000 };
}
