/**
 * A watchdog for CPU-bound steps over user data. Node cannot pre-empt a function running on the
 * event loop, except through V8's own script timeout: running a call inside `vm` with `timeout`
 * makes a watchdog thread terminate it (whatever context its code comes from) and throw here. So
 * one poisonous input cannot freeze the process that serves every workspace; it fails, and the
 * pipeline parks it after a few attempts.
 *
 * Each call starts a watchdog thread (≈ 0.1–0.3 ms): use it around a step, not in a tight loop.
 */
import { Script, createContext } from 'node:vm';

export class CpuBudgetExceededError extends Error {
  constructor(readonly step: string, readonly budgetMs: number) {
    super(`${step} ran over its CPU budget of ${budgetMs} ms and was stopped`);
    this.name = 'CpuBudgetExceededError';
  }
}

const runner = new Script('step()');
const context = createContext({ step: (): unknown => undefined });

export function runWithCpuBudget<T>(step: string, budgetMs: number, fn: () => T): T {
  let result: T;
  context.step = () => {
    result = fn();
  };
  try {
    runner.runInContext(context, { timeout: budgetMs });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new CpuBudgetExceededError(step, budgetMs);
    throw err;
  } finally {
    context.step = () => undefined;
  }
  return result!;
}
