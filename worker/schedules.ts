import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { extractWorkflowType, type Workflow } from '@temporalio/common';
import { workflowIds } from '../core/platform/temporal/workflow-ids';
import { outboxSweepWorkflow, retentionWorkflow } from '../workflows';

/**
 * The periodic jobs, as Temporal Schedules (visible and pausable in the UI). Created once; an
 * existing schedule keeps its timing and pause state, but its action is re-pointed when it
 * targets another task queue (otherwise a renamed queue would silently stop the jobs).
 */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const specs = [
    { scheduleId: workflowIds.outboxSweep(), workflow: outboxSweepWorkflow, every: '1 minute', note: 'Fans out stored events whose fan-out was interrupted' },
    { scheduleId: workflowIds.retention(), workflow: retentionWorkflow, every: '1 hour', note: 'Deletes events, deliveries and attempts older than RETENTION_MAX_AGE' },
  ] as const;
  const created: string[] = [];
  for (const spec of specs) {
    try {
      await client.schedule.create({
        scheduleId: spec.scheduleId,
        spec: { intervals: [{ every: spec.every }] },
        action: { type: 'startWorkflow', workflowType: spec.workflow, taskQueue, args: [], workflowId: spec.scheduleId },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        memo: { description: spec.note },
      });
      created.push(spec.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await repointIfNeeded(client, spec.scheduleId, spec.workflow, taskQueue);
    }
  }
  return created;
}

async function repointIfNeeded(client: Client, scheduleId: string, workflow: Workflow, taskQueue: string): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const current = await describeWhenReady(handle);
  const action = current.action;
  if (action.type === 'startWorkflow' && action.taskQueue === taskQueue && action.workflowType === extractWorkflowType(workflow)) return;
  await handle.update((previous) => ({
    ...previous,
    action: { type: 'startWorkflow', workflowType: workflow, taskQueue, args: [], workflowId: scheduleId },
  }));
}

const DESCRIBE_ATTEMPTS = 10;

/**
 * Describing a schedule queries its scheduler, which right after the server (re)starts may not
 * answer yet ("Failed to describe schedule"): a restarted `./scripts/dev` met it under load. Retry
 * for about half a minute before giving up.
 */
async function describeWhenReady(handle: ScheduleHandle): Promise<ScheduleDescription> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError || attempt >= DESCRIBE_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
