/**
 * What both ingest pipeline workflows (per visitor and per partition) keep between batches: a
 * bounded memory of applied event ids, and how they recognise the activity giving up on a
 * batch's own events. Deterministic code only: imported by workflow files.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { EVENT_FAILED } from '../core/visitors/event-failure';

/** The reason when the activity gave up on the batch's own events (EVENT_FAILED), else null. */
export function eventFailureOf(err: unknown): string | null {
  // A local activity's failure may arrive wrapped in an ActivityFailure or as the ApplicationFailure itself.
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === EVENT_FAILED ? failure.message : null;
}

/** Bounded memory of applied event ids, so a re-dispatched event is dropped before any work. */
export class RecentIds {
  private readonly ids: string[];
  private readonly set: Set<string>;

  constructor(
    initial: string[],
    private readonly capacity: number,
  ) {
    this.ids = initial.slice(-capacity);
    this.set = new Set(this.ids);
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  add(id: string): void {
    if (this.set.has(id)) return;
    this.ids.push(id);
    this.set.add(id);
    if (this.ids.length > this.capacity) this.set.delete(this.ids.shift() as string);
  }

  list(): string[] {
    return [...this.ids];
  }
}
