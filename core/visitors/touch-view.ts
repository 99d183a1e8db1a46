import type { Touch } from './visitor-types';

/** The wire shape of one touch: `attributionTouchSchema` in shared/events/payloads.ts. */
export interface TouchView {
  source: string;
  medium: string | null;
  campaign: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  referrer: string | null;
  landing_page: string | null;
  touched_at: string | null;
}

/**
 * A touch as webhooks and the API show it. No touch (a buyer never seen on the site) reads as
 * `direct` with no time, so order.attributed always carries both touches. URLs the payload
 * schema would reject (e.g. a non-http landing page) become null rather than failing the event.
 * Pure, so workflows may use it too.
 */
export function touchView(t: Touch | null): TouchView {
  return {
    source: t?.source || 'direct',
    medium: t?.medium ?? null,
    campaign: t?.campaign ?? null,
    utm_source: t?.utm.utm_source ?? null,
    utm_medium: t?.utm.utm_medium ?? null,
    utm_campaign: t?.utm.utm_campaign ?? null,
    utm_term: t?.utm.utm_term ?? null,
    utm_content: t?.utm.utm_content ?? null,
    referrer: urlOrNull(t?.referrer, false),
    landing_page: urlOrNull(t?.landingPage, true),
    touched_at: t ? new Date(t.touchedAt).toISOString() : null,
  };
}

function urlOrNull(value: string | null | undefined, webOnly: boolean): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return !webOnly || url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}
