import fc from 'fast-check';
import { fnv1a32, partitionOf } from '../../core/ingest/ingest-partition';
import { routeKey } from '../../core/ingest/send-to-visitor';

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

  it('routes by visitor in the visitors pipeline and by partition in the partitions pipeline', () => {
    const event = { workspaceId: 'ws_a', visitorId: 'v_1' };
    expect(routeKey({ INGEST_PIPELINE: 'visitors', INGEST_PARTITIONS: 8 }, event)).toBe('ws_a\u0000v_1');
    expect(routeKey({ INGEST_PIPELINE: 'partitions', INGEST_PARTITIONS: 8 }, event)).toBe(`partition:${partitionOf('ws_a', 'v_1', 8)}`);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('ws', 'v', 0)).toThrow(RangeError);
    expect(() => partitionOf('ws', 'v', 1.5)).toThrow(RangeError);
  });
});
