import type { z } from 'zod';
import type { attributionTouchSchema } from '../events/payloads';
import { utmFields } from './utm';
import type { Touch } from './visitor-types';

/** The wire shape of one touch. */
export type TouchView = z.output<typeof attributionTouchSchema>;

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
    ...utmFields((key) => t?.utm[key] ?? null),
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
