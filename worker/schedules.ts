import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { workflowIds } from '../shared/temporal/workflow-ids';

/**
 * The periodic jobs, as Temporal Schedules (visible and pausable in the UI). Created once;
 * an existing schedule is left as the operator configured it.
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const specs = [
    { scheduleId: workflowIds.outboxSweep(), workflowType: 'outboxSweepWorkflow', every: '1 minute', note: 'Fans out stored events whose fan-out was interrupted' },
    { scheduleId: workflowIds.retention(), workflowType: 'retentionWorkflow', every: '1 hour', note: 'Deletes events, deliveries and attempts older than RETENTION_MAX_AGE' },
  ] as const;
  const created: string[] = [];
  for (const spec of specs) {
    try {
      await client.schedule.create({
        scheduleId: spec.scheduleId,
        spec: { intervals: [{ every: spec.every }] },
        action: { type: 'startWorkflow', workflowType: spec.workflowType, taskQueue, args: [], workflowId: spec.scheduleId },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        memo: { description: spec.note },
      });
      created.push(spec.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return created;
}
