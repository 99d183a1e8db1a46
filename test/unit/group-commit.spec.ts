import fc from 'fast-check';
import { GroupCommit } from '../../core/platform/group-commit';

/** A bulk writer whose writes finish when the test says so. */
function controlledWriter() {
  const calls: Array<{ items: number[]; finish: (err?: Error) => void }> = [];
  const writeAll = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, finish: (err) => (err ? reject(err) : resolve(items.map((i) => `wrote ${i}`))) });
    });
  return { calls, writeAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes a lone item on the next tick, alone', async () => {
    const { calls, writeAll } = controlledWriter();
    const commit = new GroupCommit(writeAll, { maxBatch: 10, maxInFlight: 1 });
    const result = commit.write(1);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0].finish();
    await expect(result).resolves.toBe('wrote 1');
  });

  it('gathers what arrives while a write is under way into the next one, each caller getting its own result', async () => {
    const { calls, writeAll } = controlledWriter();
    const commit = new GroupCommit(writeAll, { maxBatch: 3, maxInFlight: 1 });
    const first = commit.write(1);
    await tick();
    const later = [2, 3, 4, 5].map((i) => commit.write(i));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0].finish();
    await first;
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]); // at most maxBatch
    calls[1].finish();
    await tick();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]);
    calls[2].finish();
    await expect(Promise.all(later)).resolves.toEqual(['wrote 2', 'wrote 3', 'wrote 4', 'wrote 5']);
  });

  it('fails every caller of a bulk write that fails as a whole, and goes on with the next', async () => {
    const { calls, writeAll } = controlledWriter();
    const commit = new GroupCommit(writeAll, { maxBatch: 10, maxInFlight: 1 });
    const failing = [commit.write(1), commit.write(2)];
    await tick();
    calls[0].finish(new Error('database away'));
    await expect(Promise.all(failing.map((p) => p.catch((err: Error) => err.message)))).resolves.toEqual(['database away', 'database away']);
    const next = commit.write(3);
    await tick();
    calls[1].finish();
    await expect(next).resolves.toBe('wrote 3');
  });

  it('writes every item exactly once, each caller getting its own result, whatever the arrival pattern and limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), async (gaps, maxBatch, maxInFlight) => {
        const written: number[] = [];
        let inFlight = 0;
        let maxSeen = 0;
        const commit = new GroupCommit(
          async (items: number[]) => {
            inFlight++;
            maxSeen = Math.max(maxSeen, inFlight);
            expect(items.length).toBeLessThanOrEqual(maxBatch);
            await tick();
            written.push(...items);
            inFlight--;
            return items.map((i) => i * 2);
          },
          { maxBatch, maxInFlight },
        );
        const results: Array<Promise<number>> = [];
        for (const [i, gap] of gaps.entries()) {
          for (let t = 0; t < gap; t++) await tick();
          results.push(commit.write(i));
        }
        expect(await Promise.all(results)).toEqual(gaps.map((_, i) => i * 2));
        expect([...written].sort((a, b) => a - b)).toEqual(gaps.map((_, i) => i));
        expect(maxSeen).toBeLessThanOrEqual(maxInFlight);
      }),
      { numRuns: 60 },
    );
  });
});
