/**
 * Group commit: concurrent single writes share one bulk write. A write waits at most one tick
 * when nothing else is being written; while `maxInFlight` bulk writes are under way, new ones
 * gather and go together in the next (up to `maxBatch`). Each caller gets its own item's result;
 * a bulk write that fails as a whole fails every caller in it.
 */
export class GroupCommit<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Writes the items in one go; returns one result per item, in order. */
    private readonly writeAll: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  write(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.opts.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    try {
      const results = await this.writeAll(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
