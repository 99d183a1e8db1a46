/**
 * Subscription filters narrow which events of a subscribed type are delivered. Today: URL
 * patterns (`*` matches anything) on the visited URL of page-visit events; other types pass.
 */
export interface SubscriptionFilters {
  urlPatterns?: string[] | null;
}

export function matchesFilters(filters: SubscriptionFilters | null | undefined, eventType: string, data: unknown): boolean {
  const patterns = filters?.urlPatterns;
  if (!patterns?.length || !eventType.endsWith('.page_visit')) return true;
  const url = (data as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') return true;
  return patterns.some((pattern) => globToRegExp(pattern).test(url));
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}
