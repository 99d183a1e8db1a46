/**
 * Subscription filters narrow which events of a subscribed type are delivered: URL patterns (`*`
 * matches anything, case-insensitive) on the visited URL of page-visit events, and segment ids on
 * segment events (Salespanel: "segment events require the visitor to be associated with the
 * specific segment"); other types pass.
 *
 * Page URLs come from anyone holding a publishable key, so matching must stay linear in the URL:
 * no regular expression is built from a pattern (a backtracking `.*` chain froze the process).
 */
export interface SubscriptionFilters {
  urlPatterns?: string[] | null;
  segmentIds?: string[] | null;
}

/** Limits the API enforces on new patterns; matching stays linear whatever is stored. */
export const URL_PATTERN_MAX_LENGTH = 500;
export const URL_PATTERN_MAX_WILDCARDS = 8;
export const URL_PATTERNS_MAX = 50;
export const SEGMENT_IDS_MAX = 100;

export function matchesFilters(filters: SubscriptionFilters | null | undefined, eventType: string, data: unknown): boolean {
  const segmentIds = filters?.segmentIds;
  if (segmentIds?.length && /\.segment_(dis)?qualified$/.test(eventType)) {
    const segment = (data as { segment?: { id?: unknown } } | null)?.segment?.id;
    return typeof segment === 'string' && segmentIds.includes(segment);
  }
  const patterns = filters?.urlPatterns;
  if (!patterns?.length || !eventType.endsWith('.page_visit')) return true;
  const url = (data as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') return true;
  const text = url.toLowerCase();
  return patterns.some((pattern) => matchesGlob(pattern.toLowerCase(), text));
}

/**
 * Whether `text` matches `pattern`, where `*` matches any run of characters (also none) and
 * everything else matches itself. The first piece must be a prefix and the last a suffix; the
 * pieces between are found leftmost-first, in order: the leftmost match leaves the most room for
 * the rest, so no backtracking is ever needed. Time is O(text × pattern) at worst, with no
 * exponential case.
 */
export function matchesGlob(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === text;
  const head = pieces[0];
  const tail = pieces[pieces.length - 1];
  if (text.length < head.length + tail.length || !text.startsWith(head) || !text.endsWith(tail)) return false;
  const end = text.length - tail.length;
  let from = head.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i];
    if (piece.length === 0) continue;
    const at = text.indexOf(piece, from);
    if (at < 0 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}

/** Why a pattern is refused, or null: the API's rule, kept beside the matcher it protects. */
export function urlPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > URL_PATTERN_MAX_LENGTH) return `must be at most ${URL_PATTERN_MAX_LENGTH} characters`;
  const wildcards = pattern.split('*').length - 1;
  if (wildcards > URL_PATTERN_MAX_WILDCARDS) return `may contain at most ${URL_PATTERN_MAX_WILDCARDS} '*' wildcards (has ${wildcards})`;
  return null;
}
