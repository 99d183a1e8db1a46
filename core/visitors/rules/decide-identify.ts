/**
 * Identify: attaches an email / customer id. If another visitor already is that person, this
 * (anonymous) visitor is merged into it; two identified people are never merged. The first
 * identification creates the lead (lead.created) and, with an email, emits person.identified.
 *
 * Who holds an identity is decided by the database: the rule asks the shell to claim it
 * (`claimIdentity`, atomic) and decides with the answer.
 */
import type { LeadDoc } from '../../leads/lead.model';
import { companyFromIdentity } from '../../companies/company-from-identity';
import { companyIdFor, identityIdFor, leadIdFor } from '../visitor-ids';
import type { VisitorDoc } from '../visitor.model';
import type { PersonDetails, VisitorEvent } from '../visitor-types';
import { appendActivity, done, emitOf, missingFacts, needs, str, withCompanyVisitName, type Step } from './common';
import type { DecideContext, Decision, Effect, FactRequest, IdentityKind, RuleState } from './effects';
import { mergeInstruction } from './decide-merge';

interface IdentityClaim {
  email: string | null;
  customerId: string | null;
}

/**
 * `state.visitor` has been touched as seen by this event already. Also the first half of a
 * revenue event that names its buyer.
 */
export function decideIdentify(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  if (event.unverified) return decideUnverifiedIdentify(state, event, ctx);
  const visitor = state.visitor;
  const d = event.data;
  const claim: IdentityClaim = {
    email: visitor.email && str(d.email) && visitor.email !== d.email ? null : str(d.email),
    customerId: visitor.customerId && str(d.customer_id) && visitor.customerId !== d.customer_id ? null : str(d.customer_id),
  };
  const conflicting = (str(d.email) !== null && claim.email === null) || (str(d.customer_id) !== null && claim.customerId === null);
  const claims = claimRequests(visitor, claim);
  const missing = missingFacts(ctx, claims);
  if (missing.length > 0) return needs(missing);
  const owners = claims.map((r) => ctx.facts.claims.get(r.key) as string);
  const other = owners.find((o) => o !== visitor._id);
  if (other && !visitor.email && !visitor.customerId) {
    return { kind: 'merged', state: { ...state, visitor: { ...visitor, mergedInto: other, updatedAt: ctx.now } }, effects: [], into: other, instruction: mergeInstruction(visitor, other, event, ctx.now) };
  }
  if (other || conflicting) {
    const log: Effect = { kind: 'log', level: 'warn', fields: { visitorId: visitor._id, owner: other, eventId: event.id }, message: 'identify names a different identified person; not merging' };
    const metadata = { email: d.email ?? null, customer_id: d.customer_id ?? null };
    return done(state, appendActivity({ visitor, effects: [log] }, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'identity', label: 'identify_conflict', activityIdentifier: other ?? null, metadata }));
  }
  return identifyAs(state, event, claim, ctx);
}

/**
 * A browser identify without a valid `user_hash`: anyone holding the publishable key can send it,
 * so it may only attach an identity nobody holds to an anonymous visitor. It never merges into a
 * known person nor changes an identified one; otherwise it is kept as an unverified claim on the
 * sender's own timeline.
 */
function decideUnverifiedIdentify(state: RuleState, event: VisitorEvent, ctx: DecideContext): Decision {
  const visitor = state.visitor;
  const d = event.data;
  const claim: IdentityClaim = { email: str(d.email), customerId: str(d.customer_id) };
  const anonymous = !visitor.email && !visitor.customerId;
  if (anonymous) {
    // Look before claiming: an unverified sender must not take even half of someone's identity.
    const lookups = identityRequests(visitor, claim).map((r): HolderRequest => ({ kind: 'identityHolder', key: r.key, workspaceId: r.workspaceId, identity: r.identity, value: r.value }));
    const unknown = missingFacts(ctx, lookups);
    if (unknown.length > 0) return needs(unknown);
    const heldByAnother = lookups.some((r) => {
      const holder = ctx.facts.identityHolders.get(r.key) ?? null;
      return holder !== null && holder !== visitor._id;
    });
    if (!heldByAnother) {
      const claims = claimRequests(visitor, claim);
      const missing = missingFacts(ctx, claims);
      if (missing.length > 0) return needs(missing);
      if (claims.every((r) => ctx.facts.claims.get(r.key) === visitor._id)) return identifyAs(state, event, claim, ctx);
    }
  }
  const metadata = { email: claim.email, customer_id: claim.customerId, reason: anonymous ? 'held by another person' : 'visitor already identified' };
  return done(state, appendActivity({ visitor, effects: [] }, { id: event.id, type: 'custom_activity', at: event.timestamp, category: 'identity', label: 'unverified_identify', activityIdentifier: null, metadata }));
}

type ClaimRequest = Extract<FactRequest, { kind: 'claimIdentity' }>;
type HolderRequest = Extract<FactRequest, { kind: 'identityHolder' }>;

/** Both identities the claim names, email first. */
function identityRequests(visitor: VisitorDoc, claim: IdentityClaim): ClaimRequest[] {
  const request = (identity: IdentityKind, value: string): ClaimRequest => ({ kind: 'claimIdentity', key: identityIdFor(visitor.workspaceId, identity, value), workspaceId: visitor.workspaceId, identity, value, claimant: visitor._id });
  return [claim.email ? request('email', claim.email) : null, claim.customerId ? request('customer', claim.customerId) : null].filter((r) => r !== null);
}

/** The claims to make, email first; an identity the visitor already holds was claimed before it was saved. */
function claimRequests(visitor: VisitorDoc, claim: IdentityClaim): ClaimRequest[] {
  return identityRequests(visitor, claim).filter((r) => (r.identity === 'email' ? r.value !== visitor.email : r.value !== visitor.customerId));
}

function identifyAs(state: RuleState, event: VisitorEvent, claim: IdentityClaim, ctx: DecideContext): Decision {
  const visitor = state.visitor;
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
  const effects: Effect[] = [];
  let nextState = state;
  // Sites often identify on every page load: a repeat that changes nothing writes nothing.
  if (company && (company.domain !== visitor.company?.domain || company.name !== visitor.company?.name)) {
    effects.push({ kind: 'recordCompanyVisit', workspaceId: next.workspaceId, domain: company.domain, name: company.name, visitorId: next._id, at, pageVisit: false });
    nextState = withCompanyVisitName(state, companyIdFor(next.workspaceId, company.domain), company.name);
  }
  effects.push(...leadEffects(visitor, next, ctx.now));
  if (firstEmail && next.email) {
    effects.push(
      emitOf(next.workspaceId, `${next._id}:${next.email}`, 'person.identified', {
        visitor_id: next._id,
        contact_id: next._id,
        email: next.email,
        customer_id: next.customerId,
        person_details: { name: person.name ?? null, first_name: person.first_name ?? null, last_name: person.last_name ?? null, phone: person.phone ?? null, job_title: person.title ?? null, organization: person.organization ?? null },
        company_details: company ? { company_id: companyIdFor(next.workspaceId, company.domain), name: company.name, domain: company.domain } : null,
        identified_at: at.toISOString(),
      }),
    );
  }
  const step: Step = { visitor: next, effects };
  return done(nextState, step);
}

/**
 * The visitor's lead (Persequor): created at first identification, with its first-touch channel.
 * A saved `leadId` means an earlier batch created it (and emitted lead.created); later
 * identifications only fill in contact details it lacked.
 */
function leadEffects(before: VisitorDoc, visitor: VisitorDoc, now: Date): Effect[] {
  const lead = leadOf(visitor, now);
  if (before.leadId) {
    if (before.email === visitor.email && before.person.name === visitor.person.name && before.person.phone === visitor.person.phone) return [];
    return [{ kind: 'fillLeadContact', leadId: before.leadId, contact: { email: lead.email, fullName: lead.fullName, phone: lead.phone } }];
  }
  return [{ kind: 'createLead', lead }];
}

export function leadOf(visitor: VisitorDoc, now: Date): LeadDoc {
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
