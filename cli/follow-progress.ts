/**
 * Follows a long-running workflow from the CLI: polls its typed progress query (every ~500 ms) and
 * draws a bar on a terminal, plain lines otherwise, until the workflow ends. Ctrl-C stops
 * following, never the workflow.
 */
import { SingleBar } from 'cli-progress';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { isTransientError } from '../core/platform/transient-errors';

/** What one poll showed, reduced to what the bar needs. `total: null` when it is not known ahead. */
export interface ProgressView {
  value: number;
  total: number | null;
  /** What is counted, after the count: "7 found". */
  unit?: string;
  /** Counts worth showing beside the bar, e.g. "12 changed". */
  detail: string;
}

/** How a followed workflow stands: Temporal's status name (RUNNING, COMPLETED, FAILED, …). */
export type RunStatus = string;

/** Following stops once the workflow (the latest run of its continue-as-new chain) is closed. */
export function isDone(status: RunStatus): boolean {
  return status !== 'RUNNING';
}

/** `processed/total` with a percentage; with no total known, the count alone. */
export function formatCount(view: Pick<ProgressView, 'value' | 'total' | 'unit'>): string {
  const unit = view.unit ? ` ${view.unit}` : '';
  if (view.total === null) return `${view.value}${unit}`;
  const pct = view.total === 0 ? 100 : Math.min(100, Math.floor((view.value / view.total) * 100));
  return `${view.value}/${view.total}${unit} (${pct}%)`;
}

/** The line printed on each change when stdout is not a terminal (and the bar's text on one). */
export function formatProgressLine(label: string, view: ProgressView): string {
  return [label, formatCount(view), view.detail].filter(Boolean).join('  ');
}

/** The last line: how it ended and how long it took. */
export function formatSummary(label: string, status: RunStatus, view: ProgressView | null, elapsedMs: number): string {
  const outcome = status === 'COMPLETED' ? 'completed' : status.toLowerCase().replace(/_/g, ' ');
  const counts = view ? `: ${[formatCount(view), view.detail].filter(Boolean).join(', ')}` : '';
  return `${label} ${outcome}${counts} in ${formatDuration(elapsedMs)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface FollowOptions<P> {
  temporal: Client;
  /** The workflow returns its final progress, like the query does while it runs. */
  handle: WorkflowHandle<(...args: any[]) => Promise<P>>; // any: what Temporal's Workflow type takes
  query: QueryDefinition<P>;
  /** Shown before the counts, e.g. "Re-scoring ws_…". */
  label: string;
  view: (progress: P) => ProgressView;
  /** The command that follows it again, shown when Ctrl-C stops following. */
  followAgain: string;
  intervalMs?: number;
  out?: NodeJS.WriteStream;
}

/** A query must be answered by a worker; with none free Temporal would hold it for 30 s. */
const QUERY_TIMEOUT_MS = 5_000;

/** Follows the workflow until it closes; resolves with its final status. */
export async function followWorkflowProgress<P>(opts: FollowOptions<P>): Promise<RunStatus> {
  const out = opts.out ?? process.stdout;
  const interval = opts.intervalMs ?? 500;
  const startedAt = Date.now();
  let bar = null as SingleBar | null; // made on the first poll, once it is known whether there is a total
  let barStarted = false;
  let lastLine = '';
  let last: ProgressView | null = null;

  const show = (view: ProgressView | null, waiting?: string) => {
    const shown = view ?? { value: 0, total: null, detail: '' };
    const detail = waiting ?? shown.detail;
    if (out.isTTY) {
      // Unknown total (a recovery finds its deliveries as it goes): a live count, no bar.
      bar ??= new SingleBar({ format: `${opts.label}  ${shown.total === null ? '' : '{bar}  '}{count}  {detail}  {duration_formatted}`, hideCursor: true, stream: out, clearOnComplete: false, emptyOnZero: true });
      const total = shown.total ?? 0;
      const payload = { count: formatCount(shown), detail };
      if (!barStarted) {
        bar.start(total, Math.min(shown.value, total), payload);
        barStarted = true;
      } else {
        bar.setTotal(total);
        bar.update(Math.min(shown.value, total), payload);
      }
      return;
    }
    const line = formatProgressLine(opts.label, { ...shown, detail });
    if (line !== lastLine) out.write(`${line}\n`);
    lastLine = line;
  };

  const onSigint = () => {
    if (bar && barStarted) bar.stop();
    out.write(`\nStopped following. The workflow ${opts.handle.workflowId} keeps running (Ctrl-C stops following, not the workflow). Follow it again with:\n  ${opts.followAgain}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const status = (await opts.handle.describe()).status.name;
      if (isDone(status)) {
        if (status === 'COMPLETED') last = opts.view(await opts.handle.result());
        else last = (await queryProgress(opts).catch(() => null)) ?? last; // how far it got, if a worker still answers
        if (last) show(last);
        if (bar && barStarted) bar.stop();
        out.write(`${formatSummary(opts.label, status, last, Date.now() - startedAt)}\n`);
        return status;
      }
      try {
        last = await queryProgress(opts);
        show(last);
      } catch (err) {
        if (!isTransientError(err)) throw err;
        show(last, 'waiting for a worker to answer…');
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function queryProgress<P>(opts: FollowOptions<P>): Promise<ProgressView> {
  const progress = await opts.temporal.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => opts.handle.query(opts.query));
  return opts.view(progress);
}
