import { CpuBudgetExceededError, runWithCpuBudget } from '../../core/platform/cpu-budget';

describe('runWithCpuBudget', () => {
  it('returns what the step returns and rethrows what it throws', () => {
    expect(runWithCpuBudget('sum', 1000, () => [1, 2, 3].reduce((a, b) => a + b))).toBe(6);
    expect(() => runWithCpuBudget('boom', 1000, () => { throw new RangeError('bad input'); })).toThrow(RangeError);
  });

  it('stops a step that would never end and names it', () => {
    const started = Date.now();
    let err: unknown;
    try {
      runWithCpuBudget('endless loop', 50, () => {
        for (;;);
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CpuBudgetExceededError);
    expect((err as Error).message).toBe('endless loop ran over its CPU budget of 50 ms and was stopped');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops catastrophic regex backtracking in code from outside the sandbox', () => {
    const backtracking = /^(a+)+!$/;
    expect(() => runWithCpuBudget('regex', 50, () => backtracking.test('a'.repeat(40)))).toThrow(CpuBudgetExceededError);
    // The sandbox is reusable after a stop.
    expect(runWithCpuBudget('after', 1000, () => 'still working')).toBe('still working');
  });
});
