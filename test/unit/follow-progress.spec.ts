import type { Client, WorkflowHandle } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import { followWorkflowProgress, formatCount, formatDuration, formatProgressLine, formatSummary, isDone, type ProgressView } from '../../cli/follow-progress';

describe('follow-progress formatting', () => {
  it('stops following once the workflow is closed, whatever the outcome', () => {
    expect(isDone('RUNNING')).toBe(false);
    for (const status of ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']) expect(isDone(status)).toBe(true);
  });

  it('shows processed/total with a percentage, or the count alone when the total is unknown', () => {
    expect(formatCount({ value: 25, total: 200 })).toBe('25/200 (12%)');
    expect(formatCount({ value: 0, total: 0 })).toBe('0/0 (100%)');
    expect(formatCount({ value: 210, total: 200 })).toBe('210/200 (100%)');
    expect(formatCount({ value: 7, total: null })).toBe('7');
    expect(formatCount({ value: 7, total: null, unit: 'found' })).toBe('7 found');
    expect(formatCount({ value: 1, total: 4, unit: 'leads' })).toBe('1/4 leads (25%)');
  });

  it('prints a plain progress line and a summary line', () => {
    const view: ProgressView = { value: 50, total: 100, detail: '3 changed' };
    expect(formatProgressLine('Re-scoring leads', view)).toBe('Re-scoring leads  50/100 (50%)  3 changed');
    expect(formatProgressLine('Recovering', { value: 2, total: null, detail: '' })).toBe('Recovering  2');
    expect(formatSummary('Re-scoring leads', 'COMPLETED', { ...view, value: 100 }, 65_000)).toBe('Re-scoring leads completed: 100/100 (100%), 3 changed in 1m05s');
    expect(formatSummary('Recovering', 'TIMED_OUT', null, 4_000)).toBe('Recovering timed out in 4s');
  });

  it('formats durations', () => {
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(59_000)).toBe('59s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });
});

interface Progress {
  status: 'running' | 'completed';
  processed: number;
  total: number;
}

describe('followWorkflowProgress without a terminal', () => {
  const query = defineQuery<Progress>('progress');
  const temporal = { connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() } } as unknown as Client;

  function fakeOut() {
    const lines: string[] = [];
    return { lines, out: { isTTY: false, write: (chunk: string) => lines.push(chunk) } as unknown as NodeJS.WriteStream };
  }

  it('polls the query, prints each change once, and ends with a summary of the result', async () => {
    const polls: Progress[] = [
      { status: 'running', processed: 0, total: 3 },
      { status: 'running', processed: 0, total: 3 },
      { status: 'running', processed: 2, total: 3 },
    ];
    const runningPolls = polls.length;
    let describes = 0;
    const handle = {
      workflowId: 'lead-rescore-ws_1-x',
      describe: async () => ({ status: { name: describes++ < runningPolls ? 'RUNNING' : 'COMPLETED' } }),
      query: async () => polls.shift(),
      result: async () => ({ status: 'completed', processed: 3, total: 3 }),
    } as unknown as WorkflowHandle<() => Promise<Progress>>;
    const { lines, out } = fakeOut();
    const status = await followWorkflowProgress({ temporal, handle, query, label: 'Re-scoring', view: (p) => ({ value: p.processed, total: p.total, detail: '' }), followAgain: 'x', intervalMs: 0, out });
    expect(status).toBe('COMPLETED');
    expect(lines).toEqual(['Re-scoring  0/3 (0%)\n', 'Re-scoring  2/3 (66%)\n', 'Re-scoring  3/3 (100%)\n', expect.stringMatching(/^Re-scoring completed: 3\/3 \(100%\) in \d+s\n$/) as string]);
  });

  it('reports a workflow that ended otherwise with how far it got', async () => {
    const handle = {
      workflowId: 'recover-sub_1-x',
      describe: async () => ({ status: { name: 'CANCELLED' } }),
      query: async () => ({ status: 'running', processed: 1, total: 5 }),
      result: async () => {
        throw new Error('not called');
      },
    } as unknown as WorkflowHandle<() => Promise<Progress>>;
    const { lines, out } = fakeOut();
    const status = await followWorkflowProgress({ temporal, handle, query, label: 'Recovering', view: (p) => ({ value: p.processed, total: p.total, detail: '' }), followAgain: 'x', intervalMs: 0, out });
    expect(status).toBe('CANCELLED');
    expect(lines.at(-1)).toMatch(/^Recovering cancelled: 1\/5 \(20%\) in \d+s\n$/);
  });
});
