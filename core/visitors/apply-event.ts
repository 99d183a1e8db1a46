/**
 * How one event changes a visitor: the rules of the visitor model in one place. Database side
 * effects here (timeline, identities, leads, orders, companies, emitted events) are idempotent;
 * the visitor document itself is returned and saved by the caller once per batch.
 */
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import type { EventType } from '../events/event-catalogue';
import { leadEventData } from '../leads/lead-payload';
import type { LeadDoc } from '../leads/lead.model';
import type { VisitorDoc } from './visitor.model';
import { activityBucketRepository } from './activity-bucket.repository';
import { companyRepository } from '../companies/company.repository';
import { leadRepository, type LeadContact } from '../leads/lead.repository';
import { orderRepository } from '../orders/order.repository';
import { visitorIdentityRepository } from './visitor-identity.repository';
import { visitorRepository } from './visitor.repository';
import { emitEvent } from '../events/emit-event';
import { applyTouch, touchFromPage } from './attribution';
import { companyFromIdentity } from '../companies/company-from-identity';
import { locateIp } from './geo';
import { mergeVisitorInto } from './merge-visitors';
import { recordPageVisit, recordSeen, sessionStartFor } from './sessions';
import { touchView } from './touch-view';
import { parseUserAgent } from './user-agent';
import { utmKeys } from './utm';
import { companyIdFor, emittedEventIdFor, leadIdFor, orderIdFor } from './visitor-ids';
import type { Activity, AttributeValue, PersonDetails, UtmParams, VisitorEvent } from './visitor-types';

export type Outcome = { kind: 'applied'; visitor: VisitorDoc } | { kind: 'merge'; visitor: VisitorDoc; into: string };

type Data = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export async function applyOneEvent(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, now: Date): Promise<Outcome> {
  const seen = touchSeen(visitor, event.timestamp);
  switch (event.type) {
    case 'pageview':
      return applied(await applyPageview(deps, seen, event));
    case 'event':
      return applied(await appendActivity(seen, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'event', label: String(event.data.event_name), activityIdentifier: str(event.data.url), metadata: (event.data.event_data as Data) ?? {} }));
    case 'identify':
      return applyIdentify(deps, seen, event, now);
    case 'revenue':
      return applyRevenue(deps, seen, event, now);
    case 'set_attributes':
      return applied({ ...seen, attributes: { ...seen.attributes, ...(event.data.attributes as Record<string, AttributeValue>) } });
    case 'set_tags':
      return applied({ ...seen, tags: nextTags(seen.tags, event.data.add as string[] | undefined, event.data.remove as string[] | undefined) });
    case 'custom_activity':
      return applied(await appendActivity(seen, { id: event.id, type: 'custom_activity', at: event.timestamp, category: String(event.data.category), label: String(event.data.label), activityIdentifier: str(event.data.activity_identifier), metadata: (event.data.metadata as Data) ?? {} }));
    case 'email_activity':
      return applied(await appendActivity(seen, { id: event.id, type: 'email', at: event.timestamp, subject: String(event.data.subject) }));
    case 'merge_visitor':
      return applied(await absorbVisitor(visitor, String(event.data.source_visitor_id), now));
  }
}

const applied = (visitor: VisitorDoc): Outcome => ({ kind: 'applied', visitor });

function touchSeen(visitor: VisitorDoc, at: number): VisitorDoc {
  const date = new Date(at);
  return {
    ...visitor,
    summary: recordSeen(visitor.summary, at),
    firstSeenAt: !visitor.firstSeenAt || date < visitor.firstSeenAt ? date : visitor.firstSeenAt,
    lastSeenAt: !visitor.lastSeenAt || date > visitor.lastSeenAt ? date : visitor.lastSeenAt,
  };
}

// ---- page visits ------------------------------------------------------------------------------

async function applyPageview(deps: Deps, visitor: VisitorDoc, event: VisitorEvent): Promise<VisitorDoc> {
  const d = event.data;
  const url = String(d.url);
  const at = event.timestamp;
  const summary = recordPageVisit(visitor.summary, at);
  const touch = touchFromPage({ url, referrer: str(d.referrer), utm: utmOf(d), at });
  const startsSession = sessionStartFor(summary, at) === at;
  const touches = applyTouch({ firstTouch: visitor.firstTouch, lastTouch: visitor.lastTouch }, touch, startsSession);
  let next: VisitorDoc = { ...visitor, summary, ...touches, clickIds: { ...touch.clickIds, ...visitor.clickIds } };
  if (!next.acquisition || at < next.acquisition.acquiredAt || next.acquisition.landingPage === null) {
    const first = touches.firstTouch ?? touch;
    next.acquisition = {
      source: first.source,
      medium: first.medium,
      campaign: first.campaign,
      landingPage: url,
      landingIp: event.context.ip,
      landingLocation: await locateIp(event.context.ip),
      landingUserAgent: parseUserAgent(event.context.userAgent),
      acquiredAt: at,
    };
  }
  const path = str(d.path) ?? safePath(url);
  next = await appendActivity(next, { id: event.id, type: 'links', at, title: str(d.title), url, path, referrer: str(d.referrer), utm: touch.utm, form: d.form === true, sessionId: str(d.session_id) });
  if (next.email) await emitPageVisits(deps, next, event, { url, path, title: str(d.title), referrer: str(d.referrer), utm: touch.utm });
  return next;
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

async function emitPageVisits(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, page: { url: string; path: string | null; title: string | null; referrer: string | null; utm: UtmParams }): Promise<void> {
  const visitedAt = new Date(event.timestamp).toISOString();
  const company = visitor.company ? await companyRepository.recordVisit({ workspaceId: visitor.workspaceId, domain: visitor.company.domain, name: visitor.company.name, visitorId: visitor._id, at: new Date(event.timestamp), pageVisit: true }) : null;
  const companyRef = company ? { company_id: company._id, name: company.name, domain: company.domain } : null;
  await emit(deps, visitor.workspaceId, event.id, 'person.page_visit', {
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
  });
  if (company) {
    await emit(deps, visitor.workspaceId, event.id, 'company.page_visit', {
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
    });
  }
}

function validUrlOrNull(value: string | null): string | null {
  if (!value) return null;
  return URL.canParse(value) ? value : null;
}

// ---- timeline ---------------------------------------------------------------------------------

async function appendActivity(visitor: VisitorDoc, activity: Activity): Promise<VisitorDoc> {
  await activityBucketRepository.append(visitor.workspaceId, visitor._id, visitor.activityCount, activity);
  return { ...visitor, activityCount: visitor.activityCount + 1 };
}

function nextTags(tags: string[], add: string[] = [], remove: string[] = []): string[] {
  const removed = new Set(remove);
  return [...new Set([...tags, ...add])].filter((t) => !removed.has(t));
}

// ---- identity ---------------------------------------------------------------------------------

interface IdentityClaim {
  email: string | null;
  customerId: string | null;
}

/**
 * Attaches an email / customer id. If another visitor already is that person, this visitor is
 * merged into it — unless this visitor is itself identified as someone else: two identified
 * people are never merged (the conflicting identity is ignored and noted on the timeline).
 */
async function applyIdentify(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, now: Date): Promise<Outcome> {
  if (event.unverified) return applyUnverifiedIdentify(deps, visitor, event, now);
  const d = event.data;
  const claim: IdentityClaim = {
    email: visitor.email && str(d.email) && visitor.email !== d.email ? null : str(d.email),
    customerId: visitor.customerId && str(d.customer_id) && visitor.customerId !== d.customer_id ? null : str(d.customer_id),
  };
  const conflicting = (str(d.email) !== null && claim.email === null) || (str(d.customer_id) !== null && claim.customerId === null);
  const owners = await claimIdentities(visitor, claim);
  const other = owners.find((o) => o !== visitor._id);
  if (other && !visitor.email && !visitor.customerId) return { kind: 'merge', visitor, into: other };
  if (other || conflicting) {
    deps.logger.warn({ visitorId: visitor._id, owner: other, eventId: event.id }, 'identify names a different identified person; not merging');
    return applied(await appendActivity(visitor, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'identity', label: 'identify_conflict', activityIdentifier: other ?? null, metadata: { email: d.email ?? null, customer_id: d.customer_id ?? null } }));
  }
  return applied(await identifyAs(deps, visitor, event, claim, now));
}

/**
 * A browser identify without a valid `user_hash`: anyone holding the publishable key can send it,
 * so it may only attach an identity nobody holds to an anonymous visitor. It never merges into a
 * known person nor changes an identified one; otherwise it is kept as an unverified claim on the
 * sender's own timeline.
 */
async function applyUnverifiedIdentify(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, now: Date): Promise<Outcome> {
  const d = event.data;
  const claim: IdentityClaim = { email: str(d.email), customerId: str(d.customer_id) };
  const anonymous = !visitor.email && !visitor.customerId;
  // Look before claiming: an unverified sender must not take even half of someone's identity.
  if (anonymous && !(await heldByAnother(visitor, claim))) {
    const owners = await claimIdentities(visitor, claim);
    if (owners.every((o) => o === visitor._id)) return applied(await identifyAs(deps, visitor, event, claim, now));
  }
  const metadata = { email: claim.email, customer_id: claim.customerId, reason: anonymous ? 'held by another person' : 'visitor already identified' };
  return applied(await appendActivity(visitor, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'identity', label: 'unverified_identify', activityIdentifier: null, metadata }));
}

async function heldByAnother(visitor: VisitorDoc, claim: IdentityClaim): Promise<boolean> {
  const owners = await Promise.all([
    claim.email ? visitorIdentityRepository.ownerOf(visitor.workspaceId, 'email', claim.email) : null,
    claim.customerId ? visitorIdentityRepository.ownerOf(visitor.workspaceId, 'customer', claim.customerId) : null,
  ]);
  return owners.some((owner) => owner !== null && owner !== visitor._id);
}

/** Claims each identity for this visitor; returns each one's owning person (following merges). */
async function claimIdentities(visitor: VisitorDoc, claim: IdentityClaim): Promise<string[]> {
  const owners: string[] = [];
  // An identity the visitor already holds was claimed before it was saved: nothing to ask again.
  if (claim.email && claim.email !== visitor.email) owners.push(await visitorIdentityRepository.claim(visitor.workspaceId, 'email', claim.email, visitor._id));
  if (claim.customerId && claim.customerId !== visitor.customerId) owners.push(await visitorIdentityRepository.claim(visitor.workspaceId, 'customer', claim.customerId, visitor._id));
  return Promise.all(owners.map((owner) => (owner === visitor._id ? owner : personOf(owner))));
}

async function personOf(visitorId: string): Promise<string> {
  let id = visitorId;
  for (let hops = 0; hops < 5; hops++) {
    const doc = await visitorRepository.findById(id);
    if (!doc?.mergedInto) return id;
    id = doc.mergedInto;
  }
  return id;
}

async function identifyAs(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, claim: IdentityClaim, now: Date): Promise<VisitorDoc> {
  const d = event.data;
  const at = new Date(event.timestamp);
  const firstEmail = !visitor.email && claim.email !== null;
  const person: PersonDetails = { ...visitor.person };
  for (const key of ['name', 'first_name', 'last_name', 'phone', 'title'] as const) if (str(d[key])) person[key] = str(d[key]);
  if (!person.name && person.first_name) person.name = [person.first_name, person.last_name].filter(Boolean).join(' ');
  const company = companyFromIdentity({ email: claim.email ?? visitor.email, company_domain: str(d.company_domain), company_name: str(d.company_name) }) ?? visitor.company;
  if (company?.name) person.organization ??= company.name;
  const next: VisitorDoc = {
    ...visitor,
    email: visitor.email ?? claim.email,
    customerId: visitor.customerId ?? claim.customerId,
    identifiedAt: visitor.identifiedAt ?? at,
    leadId: visitor.leadId ?? leadIdFor(visitor._id),
    person,
    company,
  };
  // Sites often identify on every page load: a repeat that changes nothing writes nothing.
  if (company && (company.domain !== visitor.company?.domain || company.name !== visitor.company?.name)) {
    await companyRepository.recordVisit({ workspaceId: next.workspaceId, domain: company.domain, name: company.name, visitorId: next._id, at, pageVisit: false });
  }
  await ensureLead(deps, visitor, next, now);
  if (firstEmail && next.email) {
    await emit(deps, next.workspaceId, `${next._id}:${next.email}`, 'person.identified', {
      visitor_id: next._id,
      contact_id: next._id,
      email: next.email,
      customer_id: next.customerId,
      person_details: { name: person.name ?? null, first_name: person.first_name ?? null, last_name: person.last_name ?? null, phone: person.phone ?? null, job_title: person.title ?? null, organization: person.organization ?? null },
      company_details: company ? { company_id: companyIdFor(next.workspaceId, company.domain), name: company.name, domain: company.domain } : null,
      identified_at: at.toISOString(),
    });
  }
  return next;
}

/**
 * The visitor's lead (Persequor): created at first identification, with its first-touch channel.
 * A saved `leadId` means an earlier batch created it (and emitted lead.created); later
 * identifications only fill in contact details it lacked.
 */
async function ensureLead(deps: Deps, before: VisitorDoc, visitor: VisitorDoc, now: Date): Promise<void> {
  const lead = leadOf(visitor, now);
  if (before.leadId) {
    if (before.email === visitor.email && before.person.name === visitor.person.name && before.person.phone === visitor.person.phone) return;
    const stored = await leadRepository.findById(before.leadId);
    if (stored) await fillLeadContact(stored, lead);
    return;
  }
  const created = await leadRepository.insertIfAbsent(lead);
  const stored = created ? lead : ((await leadRepository.findById(lead._id)) ?? lead);
  if (!created) await fillLeadContact(stored, lead);
  await emit(deps, visitor.workspaceId, lead._id, 'lead.created', leadEventData(stored));
}

function leadOf(visitor: VisitorDoc, now: Date): LeadDoc {
  const touch = visitor.firstTouch;
  return {
    _id: leadIdFor(visitor._id),
    workspaceId: visitor.workspaceId,
    visitorId: visitor._id,
    email: visitor.email,
    fullName: visitor.person.name ?? null,
    phone: visitor.person.phone ?? null,
    leadSource: touch?.source ?? null,
    utmSource: touch?.utm.utm_source ?? null,
    utmMedium: touch?.utm.utm_medium ?? null,
    utmCampaign: touch?.utm.utm_campaign ?? null,
    status: 'new',
    value: null,
    createdAt: visitor.identifiedAt ?? now,
    updatedAt: now,
  };
}

/** A lead created from a customer id gains the email (name, phone) the person gives later. */
async function fillLeadContact(stored: LeadDoc, known: LeadDoc): Promise<void> {
  const missing: LeadContact = {};
  for (const key of ['email', 'fullName', 'phone'] as const) if (stored[key] === null && known[key] !== null) missing[key] = known[key];
  if (Object.keys(missing).length === 0) return;
  await leadRepository.setContact(stored._id, missing);
  Object.assign(stored, missing);
}

/** A known person absorbs an anonymous visitor merged into it (history, touches, attributes). */
async function absorbVisitor(person: VisitorDoc, sourceId: string, now: Date): Promise<VisitorDoc> {
  if (person.mergedVisitorIds.includes(sourceId) || sourceId === person._id) return person;
  const source = await visitorRepository.findById(sourceId);
  if (!source || source.workspaceId !== person.workspaceId) return person;
  return mergeVisitorInto(person, source, now);
}

// ---- revenue ----------------------------------------------------------------------------------

/** A purchase identifies the buyer when it names them, then becomes an attributed order. */
async function applyRevenue(deps: Deps, visitor: VisitorDoc, event: VisitorEvent, now: Date): Promise<Outcome> {
  let buyer = visitor;
  if (str(event.data.email) || str(event.data.customer_id)) {
    const outcome = await applyIdentify(deps, visitor, event, now);
    if (outcome.kind === 'merge') return outcome;
    buyer = outcome.visitor;
  }
  const d = event.data;
  const orderId = String(d.order_id);
  const order = {
    _id: orderIdFor(buyer.workspaceId, orderId),
    workspaceId: buyer.workspaceId,
    orderId,
    visitorId: buyer._id,
    leadId: buyer.leadId,
    amount: Number(d.amount),
    currency: String(d.currency),
    eventType: str(d.event_type),
    metadata: (d.metadata as Data) ?? {},
    firstTouch: buyer.firstTouch,
    lastTouch: buyer.lastTouch,
    orderedAt: new Date(event.timestamp),
    createdAt: now,
  };
  if (await orderRepository.insertIfAbsent(order)) {
    await emit(deps, buyer.workspaceId, order._id, 'order.attributed', {
      id: order._id,
      order_id: orderId,
      visitor_id: buyer._id,
      lead_id: buyer.leadId,
      amount: order.amount,
      currency: order.currency,
      first_touch: touchView(buyer.firstTouch),
      last_touch: touchView(buyer.lastTouch),
      created_at: order.orderedAt.toISOString(),
    });
  }
  return applied(await appendActivity(buyer, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'revenue', label: str(d.event_type) ?? 'purchase', activityIdentifier: orderId, metadata: { amount: order.amount, currency: order.currency } }));
}

// ---- outgoing events --------------------------------------------------------------------------

/**
 * Emits with an id derived from the cause, so a repeated step emits nothing new. A payload our
 * own schema rejects is a bug, not a reason to stall the visitor's pipeline: it is recorded in
 * failed_events (listed by the API) and the visitor goes on.
 */
async function emit(deps: Deps, workspaceId: string, cause: string, type: EventType, data: unknown): Promise<void> {
  try {
    await emitEvent(deps, { workspaceId, type, data, id: emittedEventIdFor(cause, type), recordIfInvalid: true });
  } catch (err) {
    // emitEvent reports a payload that fails its schema as validation_failed; a repeat it absorbs itself.
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, type, workspaceId }, 'emitted event failed its schema; recorded in failed_events, not delivered');
  }
}
