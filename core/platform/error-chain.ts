export type ErrorLike = { code?: unknown; name?: unknown; message?: unknown };

/**
 * The error, its `cause`s and an AggregateError's members, breadth first (undici and happy
 * eyeballs wrap socket errors): where outgoing-HTTP code looks for the code that classifies a failure.
 */
export function errorChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 10) {
    const next = pending.shift();
    if (typeof next !== 'object' || next === null) continue;
    const link = next as ErrorLike & { cause?: unknown; errors?: unknown };
    chain.push(link);
    if (link.cause !== undefined) pending.push(link.cause);
    if (Array.isArray(link.errors)) pending.push(...link.errors);
  }
  return chain;
}
