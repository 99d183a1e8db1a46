/**
 * Task queues besides the main one (TEMPORAL_TASK_QUEUE). Each enrichment provider has its own,
 * `<main>-enrich-<provider>`: its workers poll it with the provider's rate limit, which Temporal
 * enforces across every worker of the queue. Pure, so workflows can name the queue.
 */
export function enrichmentTaskQueue(mainTaskQueue: string, provider: string): string {
  return `${mainTaskQueue}-enrich-${provider}`;
}
