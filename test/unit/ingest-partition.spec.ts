import fc from 'fast-check';
import { fnv1a32, nextSeq, partitionOf, routeOf } from '../../core/ingest/ingest-partition';

describe('ingest partition routing', () => {
  it('is stable: pinned values never change (a change would move visitors between partitions mid-flight)', () => {
    expect([partitionOf('ws_a', 'v_1', 8), partitionOf('ws_a', 'v_2', 8), partitionOf('ws_b', 'v_1', 8), partitionOf('ws_a', 'v_1', 64)]).toEqual([0, 5, 5, 8]);
    expect(fnv1a32('signalbox')).toMatchInlineSnapshot(`1824863374`);
  });

  it('maps every visitor to one partition in range, the same each time', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 256 }), (ws, visitor, partitions) => {
        const p = partitionOf(ws, visitor, partitions);
        expect(Number.isInteger(p)).toBe(true);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(partitions);
        expect(partitionOf(ws, visitor, partitions)).toBe(p);
      }),
    );
  });

  it('tells the workspace and the visitor apart (no concatenation collisions)', () => {
    const a = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => partitionOf(`ws_${i}`, 'v', 1024 / 4));
    const b = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => partitionOf('ws_', `${i}v`, 1024 / 4));
    expect(a).not.toEqual(b);
  });

  it('spreads visitors evenly: with 2,000 random visitor ids no partition gets more than 1.5× or less than 0.5× its share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.array(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 2_000, maxLength: 2_000 }), fc.string({ minLength: 1 }), (partitions, ids, ws) => {
        const unique = [...new Set(ids)];
        fc.pre(unique.length >= 1_500);
        const counts = new Array<number>(partitions).fill(0);
        for (const id of unique) counts[partitionOf(ws, id, partitions)]++;
        const share = unique.length / partitions;
        expect(Math.max(...counts)).toBeLessThan(1.5 * share);
        expect(Math.min(...counts)).toBeGreaterThan(0.5 * share);
      }),
      { numRuns: 30 },
    );
  });

  it('spreads sequential, similar ids (v_0 … v_9999) evenly too', () => {
    for (const partitions of [2, 4, 8, 13, 32]) {
      const counts = new Array<number>(partitions).fill(0);
      for (let i = 0; i < 10_000; i++) counts[partitionOf('ws_bench', `v_${i}`, partitions)]++;
      const share = 10_000 / partitions;
      expect(Math.max(...counts)).toBeLessThan(1.15 * share);
      expect(Math.min(...counts)).toBeGreaterThan(0.85 * share);
    }
  });

  it('stores one route per visitor: its partition for any count is the route modulo the count (a poll filters rows by $mod)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 256 }), (ws, visitor, partitions) => {
        expect(routeOf(ws, visitor) % partitions).toBe(partitionOf(ws, visitor, partitions));
      }),
    );
  });

  it('numbers hand-overs in increasing order, even when the clock steps back, and by time across processes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_600_000_000_000, max: 4_000_000_000_000 }), { minLength: 1, maxLength: 200 }), (clock) => {
        const seqs = clock.map((now) => nextSeq(now));
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
        for (const seq of seqs) expect(Number.isSafeInteger(seq)).toBe(true);
      }),
    );
    // A later millisecond always sorts after an earlier one, whatever the counter of either.
    expect(nextSeq(8_000_000_000_000)).toBeGreaterThan(4_000_000_000_000 * 1000 + 10_000);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('ws', 'v', 0)).toThrow(RangeError);
    expect(() => partitionOf('ws', 'v', 1.5)).toThrow(RangeError);
  });
});
