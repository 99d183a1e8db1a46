/**
 * A page view: sessions, first/last touch, click ids, acquisition (the first visit), a `links`
 * timeline entry, and for an identified person person.page_visit (plus company.page_visit and a
 * company visit when the company is known).
 */
import { applyTouch, touchFromPage } from '../attribution';
import { recordPageVisit, sessionStartFor } from '../sessions';
import { parseUserAgent } from '../user-agent';
import { utmKeys } from '../utm';
import { companyIdFor } from '../visitor-ids';
import type { VisitorDoc } from '../visitor.model';
import type { CompanyRef, UtmParams, VisitorEvent } from '../visitor-types';
import { appendActivity, done, emitOf, missingFacts, needs, str, withCompanyVisitName, type Data, type Step } from './common';
import type { DecideContext, Decision, FactRequest, RuleState } from './effects';

interface Page {
  url: string;
  path: string | null;
  title: string | null;
  referrer: string | null;
  utm: UtmParams;
}

/** `state.visitor` has been touched as seen by this event already. */
export function decidePageview(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  const visitor = state.visitor;
  const d = event.data;
  const url = String(d.url);
  const at = event.timestamp;
  const summary = recordPageVisit(visitor.summary, at);
  const touch = touchFromPage({ url, referrer: str(d.referrer), utm: utmOf(d), at });
  const startsSession = sessionStartFor(summary, at) === at;
  const touches = applyTouch({ firstTouch: visitor.firstTouch, lastTouch: visitor.lastTouch }, touch, startsSession);
  const acquires = !visitor.acquisition || at < visitor.acquisition.acquiredAt || visitor.acquisition.landingPage === null;
  const ip = event.context.ip;
  const company = visitor.email ? visitor.company : null;
  const locationRequest: FactRequest | null = acquires && ip ? { kind: 'location', ip } : null;
  const companyRequest: FactRequest | null = company ? { kind: 'company', companyId: companyIdFor(visitor.workspaceId, company.domain) } : null;
  const missing = missingFacts(ctx, [locationRequest, companyRequest]);
  if (missing.length > 0) return needs(missing);

  let next: VisitorDoc = { ...visitor, summary, ...touches, clickIds: { ...touch.clickIds, ...visitor.clickIds } };
  if (acquires) {
    const first = touches.firstTouch ?? touch;
    next.acquisition = {
      source: first.source,
      medium: first.medium,
      campaign: first.campaign,
      landingPage: url,
      landingIp: ip,
      landingLocation: ip ? (ctx.facts.locations.get(ip) ?? null) : null,
      landingUserAgent: parseUserAgent(event.context.userAgent),
      acquiredAt: at,
    };
  }
  const path = str(d.path) ?? safePath(url);
  let step: Step = appendActivity({ visitor: next, effects: [] }, { id: event.id, type: 'links', at, title: str(d.title), url, path, referrer: str(d.referrer), utm: touch.utm, form: d.form === true, sessionId: str(d.session_id) });
  next = step.visitor;
  let nextState = state;
  if (next.email) {
    const page: Page = { url, path, title: str(d.title), referrer: str(d.referrer), utm: touch.utm };
    ({ step, state: nextState } = pageVisits(state, step, event, page, ctx));
  }
  return done(nextState, step);
}

/** person.page_visit, and with a known company its visit and company.page_visit. */
function pageVisits(state: RuleState, step: Step, event: VisitorEvent, page: Page, ctx: DecideContext): { step: Step; state: RuleState } {
  const visitor = step.visitor;
  const visitedAt = new Date(event.timestamp).toISOString();
  const effects = [...step.effects];
  let nextState = state;
  let company: { _id: string; name: string | null; domain: string } | null = null;
  if (visitor.company) {
    const visit = companyVisit(state, visitor.company, visitor, ctx);
    company = visit.company;
    nextState = visit.state;
    effects.push({ kind: 'recordCompanyVisit', workspaceId: visitor.workspaceId, domain: visitor.company.domain, name: visitor.company.name, visitorId: visitor._id, at: new Date(event.timestamp), pageVisit: true });
  }
  const companyRef = company ? { company_id: company._id, name: company.name, domain: company.domain } : null;
  effects.push(
    emitOf(visitor.workspaceId, event.id, 'person.page_visit', {
      visitor_id: visitor._id,
      contact_id: visitor._id,
      email: visitor.email,
      url: page.url,
      path: page.path ?? '/',
      title: page.title,
      referrer: validUrlOrNull(page.referrer),
      utm_params: page.utm,
      visited_at: visitedAt,
      company: companyRef,
    }),
  );
  if (company) {
    effects.push(
      emitOf(visitor.workspaceId, event.id, 'company.page_visit', {
        company_id: company._id,
        name: company.name,
        domain: company.domain,
        website: `https://${company.domain}`,
        industry: null,
        employee_range: null,
        location: null,
        country_code: null,
        linkedin: null,
        visitor_id: visitor._id,
        url: page.url,
        path: page.path ?? '/',
        title: page.title,
        visited_at: visitedAt,
      }),
    );
  }
  return { step: { visitor, effects }, state: nextState };
}

/**
 * The company as the visit leaves it: it keeps its first non-null name (the stored one, else one
 * an earlier visit of this batch gave, else this visit's).
 */
function companyVisit(state: RuleState, ref: CompanyRef, visitor: VisitorDoc, ctx: DecideContext): { company: { _id: string; name: string | null; domain: string }; state: RuleState } {
  const _id = companyIdFor(visitor.workspaceId, ref.domain);
  const earlier = state.companyVisitNames[_id] ?? [];
  const name = [ctx.facts.companies.get(_id)?.name ?? null, ...earlier, ref.name].find((n) => n !== null) ?? null;
  return { company: { _id, name, domain: ref.domain }, state: withCompanyVisitName(state, _id, ref.name) };
}

function utmOf(d: Data): UtmParams {
  const utm: UtmParams = {};
  for (const key of utmKeys) {
    const value = str(d[key]);
    if (value) utm[key] = value;
  }
  return utm;
}

function safePath(url: string): string | null {
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
}

function validUrlOrNull(value: string | null): string | null {
  if (!value) return null;
  return URL.canParse(value) ? value : null;
}
