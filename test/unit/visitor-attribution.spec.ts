import { CLICK_ID_PARAMS, applyTouch, mergeTouches, touchFromPage, type PageTouchInput } from '../../core/visitors/attribution';
import type { Touch } from '../../core/visitors/visitor-types';

const SITE = 'https://acme.io';
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const page = (over: Partial<PageTouchInput>): PageTouchInput => ({ url: `${SITE}/`, referrer: null, utm: {}, at: T0, ...over });
const empty = { firstTouch: null, lastTouch: null };

describe('touchFromPage', () => {
  it('takes utm_* from the URL, explicit payload fields winning', () => {
    const t = touchFromPage(page({ url: `${SITE}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=%20`, utm: { utm_campaign: 'summer' } }));
    expect(t.utm).toEqual({ utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'summer' });
    expect(t).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'summer', internal: false });
  });

  it('lets utm_source win over the referrer, with a null medium when only the source is given', () => {
    const t = touchFromPage(page({ url: `${SITE}/?utm_source=partner`, referrer: 'https://www.google.com/' }));
    expect(t).toMatchObject({ source: 'partner', medium: null, campaign: null, referrer: 'https://www.google.com/' });
  });

  it('reads click ids; gclid means google cpc', () => {
    const t = touchFromPage(page({ url: `${SITE}/lp?gclid=abc123&other=1`, referrer: 'https://www.google.com/' }));
    expect(t.clickIds).toEqual({ gclid: 'abc123' });
    expect(t).toMatchObject({ source: 'google', medium: 'cpc', internal: false });
  });

  it('maps each click id to its paid channel', () => {
    const channel = (param: string) => {
      const t = touchFromPage(page({ url: `${SITE}/?${param}=x` }));
      return `${t.source}/${t.medium}`;
    };
    expect(channel('msclkid')).toBe('bing/cpc');
    expect(channel('fbclid')).toBe('facebook/paid_social');
    expect(channel('ttclid')).toBe('tiktok/paid_social');
    expect(channel('li_fat_id')).toBe('linkedin/paid_social');
    expect(channel('twclid')).toBe('twitter/paid_social');
    expect(channel('yclid')).toBe('yandex/cpc');
    expect(channel('wbraid')).toBe('google/cpc');
    expect(CLICK_ID_PARAMS).toContain('dclid');
  });

  it('falls back to the referrer, then to direct', () => {
    expect(touchFromPage(page({ referrer: 'https://www.google.com/' }))).toMatchObject({ source: 'Google', medium: 'organic', internal: false });
    expect(touchFromPage(page({ referrer: 'https://l.facebook.com/' }))).toMatchObject({ source: 'Facebook', medium: 'social' });
    const direct = touchFromPage(page({ url: `${SITE}/pricing`, at: T0 + 5 }));
    expect(direct).toEqual({
      source: 'direct',
      medium: 'none',
      campaign: null,
      utm: {},
      referrer: null,
      landingPage: `${SITE}/pricing`,
      clickIds: {},
      touchedAt: T0 + 5,
      internal: false,
    });
  });

  it('marks same-site navigation as internal, unless it carries tags or click ids', () => {
    expect(touchFromPage(page({ referrer: `${SITE}/blog` })).internal).toBe(true);
    expect(touchFromPage(page({ referrer: 'https://www.acme.io/blog' })).internal).toBe(true);
    expect(touchFromPage(page({ referrer: `${SITE}/blog`, utm: { utm_source: 'x' } })).internal).toBe(false);
    expect(touchFromPage(page({ url: `${SITE}/?fbclid=1`, referrer: `${SITE}/blog` })).internal).toBe(false);
  });

  it('keeps a lone utm_medium over the inferred channel', () => {
    expect(touchFromPage(page({ referrer: 'https://mail.google.com/', utm: { utm_medium: 'newsletter' } }))).toMatchObject({ source: 'Gmail', medium: 'newsletter' });
  });
});

describe('applyTouch', () => {
  const google = touchFromPage(page({ referrer: 'https://www.google.com/', at: T0 }));
  const internalNav = touchFromPage(page({ url: `${SITE}/pricing`, referrer: `${SITE}/`, at: T0 + 60_000 }));

  it('strips the internal flag from stored touches', () => {
    const s = applyTouch(empty, google, true);
    expect(s.firstTouch).not.toHaveProperty('internal');
    expect(s.lastTouch).not.toHaveProperty('internal');
    expect(s.firstTouch).toMatchObject({ source: 'Google', medium: 'organic', touchedAt: T0 });
  });

  it('takes the first touch from an earlier page view that arrives late', () => {
    const later = touchFromPage(page({ url: `${SITE}/?utm_source=newsletter&utm_medium=email`, at: T0 + 86_400_000 }));
    const s1 = applyTouch(empty, later, true);
    const s2 = applyTouch(s1, google, true);
    expect(s2.firstTouch?.source).toBe('Google');
    expect(s2.lastTouch?.source).toBe('newsletter');
  });

  it('does not let internal navigation replace the last touch', () => {
    const s = applyTouch(applyTouch(empty, google, true), internalNav, false);
    expect(s.lastTouch?.source).toBe('Google');
    expect(s.firstTouch?.source).toBe('Google');
  });

  it('counts a plain direct visit as last touch only when it starts a session', () => {
    const s = applyTouch(empty, google, true);
    const midSession = touchFromPage(page({ at: T0 + 60_000 }));
    expect(applyTouch(s, midSession, false).lastTouch?.source).toBe('Google');
    const nextDay = touchFromPage(page({ at: T0 + 86_400_000 }));
    expect(applyTouch(s, nextDay, true).lastTouch).toMatchObject({ source: 'direct', medium: 'none', touchedAt: T0 + 86_400_000 });
  });

  it('lets a tagged touch mid-session become the last touch', () => {
    const tagged = touchFromPage(page({ url: `${SITE}/?utm_source=ads&utm_medium=cpc`, at: T0 + 60_000 }));
    expect(applyTouch(applyTouch(empty, google, true), tagged, false).lastTouch?.source).toBe('ads');
  });

  it('keeps the later last touch when an older touch arrives late', () => {
    const s = applyTouch(empty, internalNav, true);
    expect(applyTouch(s, google, true).lastTouch?.touchedAt).toBe(T0 + 60_000);
  });

  it('uses an internal touch as first touch until a real one arrives, even a later one', () => {
    const s1 = applyTouch(empty, internalNav, true);
    expect(s1.firstTouch).toMatchObject({ source: 'direct', referrer: `${SITE}/` });
    const earlierInternal = touchFromPage(page({ referrer: `${SITE}/x`, at: T0 }));
    expect(applyTouch(s1, earlierInternal, false).firstTouch?.touchedAt).toBe(T0);
    const laterReal = touchFromPage(page({ referrer: 'https://t.co/x', at: T0 + 3_600_000 }));
    const s2 = applyTouch(s1, laterReal, true);
    expect(s2.firstTouch?.source).toBe('Twitter');
    expect(applyTouch(s2, earlierInternal, false).firstTouch?.source).toBe('Twitter');
  });
});

describe('mergeTouches', () => {
  const touch = (source: string, touchedAt: number): Touch => ({ source, medium: 'organic', campaign: null, utm: {}, referrer: 'https://x.example/', landingPage: null, clickIds: {}, touchedAt });

  it('keeps the earliest first touch and the latest last touch', () => {
    const a = { firstTouch: touch('A1', 10), lastTouch: touch('A2', 50) };
    const b = { firstTouch: touch('B1', 5), lastTouch: touch('B2', 40) };
    expect(mergeTouches(a, b)).toEqual({ firstTouch: b.firstTouch, lastTouch: a.lastTouch });
    expect(mergeTouches(empty, b)).toEqual(b);
    expect(mergeTouches(a, empty)).toEqual(a);
  });
});
