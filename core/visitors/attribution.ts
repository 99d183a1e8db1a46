/**
 * First/last-touch attribution from page views. Priority of evidence for a touch's channel:
 * explicit UTM tags, then an ad-network click id (paid even without UTMs), then the referrer,
 * else `direct`. Pure functions: the visitor workflow feeds them events in any order.
 */
import { classifyReferrer, isSameSite } from './referrer';
import { utmKeys } from './utm';
import type { ClickIds, Touch, UtmParams } from './visitor-types';

export const CLICK_ID_PARAMS = ['gclid', 'gbraid', 'wbraid', 'dclid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id', 'twclid', 'yclid'] as const;
type ClickIdParam = (typeof CLICK_ID_PARAMS)[number];

const CLICK_ID_CHANNELS: Record<ClickIdParam, { source: string; medium: string }> = {
  gclid: { source: 'google', medium: 'cpc' },
  gbraid: { source: 'google', medium: 'cpc' },
  wbraid: { source: 'google', medium: 'cpc' },
  dclid: { source: 'google', medium: 'cpc' },
  msclkid: { source: 'bing', medium: 'cpc' },
  fbclid: { source: 'facebook', medium: 'paid_social' },
  ttclid: { source: 'tiktok', medium: 'paid_social' },
  li_fat_id: { source: 'linkedin', medium: 'paid_social' },
  twclid: { source: 'twitter', medium: 'paid_social' },
  yclid: { source: 'yandex', medium: 'cpc' },
};

export interface PageTouchInput {
  url: string;
  referrer: string | null;
  /** Explicit fields from the payload; they win over the URL's utm_* parameters. */
  utm: UtmParams;
  at: number;
}

export type PageTouch = Touch & { internal: boolean };
interface TouchState {
  firstTouch: Touch | null;
  lastTouch: Touch | null;
}

function queryOf(url: string): URLSearchParams {
  try {
    return new URL(url).searchParams;
  } catch {
    return new URLSearchParams();
  }
}

/** Non-empty, trimmed values of `keys`, read with `get`. */
function pick<K extends string>(keys: readonly K[], get: (k: K) => string | null | undefined): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = get(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

function channelOf(utm: UtmParams, clickIds: ClickIds, referrer: string | null, url: string): { source: string; medium: string | null } {
  if (utm.utm_source) return { source: utm.utm_source, medium: utm.utm_medium ?? null };
  const clickId = CLICK_ID_PARAMS.find((p) => clickIds[p] !== undefined);
  const channel = (clickId && CLICK_ID_CHANNELS[clickId]) ?? classifyReferrer(referrer, url) ?? { source: 'direct', medium: 'none' };
  // A lone utm_medium (no source) still says how the visitor came.
  return { source: channel.source, medium: utm.utm_medium ?? channel.medium };
}

export function touchFromPage(input: PageTouchInput): PageTouch {
  const query = queryOf(input.url);
  const utm: UtmParams = { ...pick(utmKeys, (k) => query.get(k)), ...pick(utmKeys, (k) => input.utm[k]) };
  const clickIds: ClickIds = pick(CLICK_ID_PARAMS, (k) => query.get(k));
  const untagged = Object.keys(utm).length === 0 && Object.keys(clickIds).length === 0;
  return {
    ...channelOf(utm, clickIds, input.referrer, input.url),
    campaign: utm.utm_campaign ?? null,
    utm,
    referrer: input.referrer,
    landingPage: input.url,
    clickIds,
    touchedAt: input.at,
    internal: untagged && isSameSite(input.referrer, input.url),
  };
}

/**
 * Whether a stored touch came from internal navigation. The flag is not stored, but only an
 * internal touch is `direct` while carrying a referrer (an external one names its source).
 */
function looksInternal(t: Touch): boolean {
  return t.source === 'direct' && t.referrer !== null && Object.keys(t.utm).length === 0 && Object.keys(t.clickIds).length === 0;
}

/** The better first touch: a real (non-internal) touch beats an internal one, then the earlier wins. */
function earlierFirst(current: Touch | null, candidate: Touch | null, candidateInternal = candidate !== null && looksInternal(candidate)): Touch | null {
  if (!current || !candidate) return current ?? candidate;
  const currentInternal = looksInternal(current);
  if (currentInternal !== candidateInternal) return currentInternal ? candidate : current;
  return candidate.touchedAt < current.touchedAt ? candidate : current;
}

function later(current: Touch | null, candidate: Touch | null): Touch | null {
  if (!current || !candidate) return current ?? candidate;
  return candidate.touchedAt >= current.touchedAt ? candidate : current;
}

/** A touch that names where the visitor came from: tags, click ids or (not being internal) an external referrer. */
function isMarketingTouch(t: PageTouch): boolean {
  return !t.internal && (Object.keys(t.utm).length > 0 || Object.keys(t.clickIds).length > 0 || Boolean(t.referrer?.trim()));
}

export function applyTouch(state: TouchState, touch: PageTouch, startsSession: boolean): TouchState {
  const { internal: _internal, ...plain } = touch;
  const countsAsLast = startsSession || isMarketingTouch(touch);
  return {
    firstTouch: earlierFirst(state.firstTouch, plain, touch.internal),
    lastTouch: countsAsLast ? later(state.lastTouch, plain) : state.lastTouch,
  };
}

/** Touches of two visitors being merged: the earliest real first touch, the latest last touch. */
export function mergeTouches(a: TouchState, b: TouchState): TouchState {
  return { firstTouch: earlierFirst(a.firstTouch, b.firstTouch), lastTouch: later(a.lastTouch, b.lastTouch) };
}
