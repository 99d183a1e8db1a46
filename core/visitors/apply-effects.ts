/**
 * The I/O half of the visitor rules (rules/): resolves the facts a decision asks for and writes
 * the effects it decided, with the repositories. Every write is idempotent (ids derive from what
 * happened), so a batch retried after a crash writes nothing twice.
 */
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { leadEventData } from '../leads/lead-payload';
import type { LeadDoc } from '../leads/lead.model';
import { activityBucketRepository } from './activity-bucket.repository';
import { companyRepository } from '../companies/company.repository';
import { ingestRepository } from '../ingest/ingest.repository';
import { leadRepository, type LeadContact } from '../leads/lead.repository';
import { orderRepository } from '../orders/order.repository';
import { visitorIdentityRepository } from './visitor-identity.repository';
import { visitorRepository } from './visitor.repository';
import { emitEvent } from '../events/emit-event';
import { locateIp } from './geo';
import { emittedEventIdFor } from './visitor-ids';
import { type Effect, type EmitEffect, type FactRequest, type Facts } from './rules/effects';

/** Writes `effects` in the order decided, each once it is safe to repeat. */
export async function applyEffects(deps: Deps, effects: readonly Effect[]): Promise<void> {
  for (const effect of effects) await applyEffect(deps, effect);
}

async function applyEffect(deps: Deps, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'appendTimeline':
      return activityBucketRepository.append(effect.workspaceId, effect.visitorId, effect.seq, effect.activity);
    case 'recordCompanyVisit': {
      const { workspaceId, domain, name, visitorId, at, pageVisit } = effect;
      await companyRepository.recordVisit({ workspaceId, domain, name, visitorId, at, pageVisit });
      return;
    }
    case 'createLead':
      return createLead(deps, effect.lead);
    case 'fillLeadContact': {
      const stored = await leadRepository.findById(effect.leadId);
      if (stored) await fillLeadContact(stored, effect.contact);
      return;
    }
    case 'insertOrder':
      if (await orderRepository.insertIfAbsent(effect.order)) await emit(deps, effect.onInserted);
      return;
    case 'emit':
      return emit(deps, effect);
    case 'log':
      deps.logger[effect.level](effect.fields, effect.message);
      return;
  }
}

/** Inserts the lead unless a repeat finds it stored (then fills its gaps), and announces it as stored. */
async function createLead(deps: Deps, lead: LeadDoc): Promise<void> {
  const created = await leadRepository.insertIfAbsent(lead);
  const stored = created ? lead : ((await leadRepository.findById(lead._id)) ?? lead);
  if (!created) await fillLeadContact(stored, lead);
  await emit(deps, { kind: 'emit', workspaceId: lead.workspaceId, id: emittedEventIdFor(lead._id, 'lead.created'), type: 'lead.created', data: leadEventData(stored) });
}

/** A lead created from a customer id gains the email (name, phone) the person gives later. */
async function fillLeadContact(stored: LeadDoc, known: Pick<LeadDoc, 'email' | 'fullName' | 'phone'>): Promise<void> {
  const missing: LeadContact = {};
  for (const key of ['email', 'fullName', 'phone'] as const) if (stored[key] === null && known[key] !== null) missing[key] = known[key];
  if (Object.keys(missing).length === 0) return;
  await leadRepository.setContact(stored._id, missing);
  Object.assign(stored, missing);
}

/**
 * Emits with the id derived from the cause, so a repeated step emits nothing new. A payload our
 * own schema rejects is a bug to log, not a reason to stall the visitor's pipeline forever.
 */
async function emit(deps: Deps, effect: EmitEffect): Promise<void> {
  const { workspaceId, type, data, id } = effect;
  try {
    await emitEvent(deps, { workspaceId, type, data, id, recordIfInvalid: true });
  } catch (err) {
    // A payload our own schema rejects is a bug, not a reason to stall the visitor's pipeline:
    // emitEvent recorded it in failed_events (listed by the API) before reporting validation_failed.
    if (!(err instanceof AppError && err.code === 'validation_failed')) throw err;
    deps.logger.error({ err, type, workspaceId }, 'emitted event failed its schema; recorded in failed_events, not delivered');
  }
}

// ---- facts ------------------------------------------------------------------------------------

/**
 * Answers `requests` into `facts`. Identity claims are made one after the other (email first), as
 * the rule lists them; each answer is the owning person, following merges.
 */
export async function resolveFacts(facts: Facts, requests: readonly FactRequest[]): Promise<void> {
  const claims = requests.filter((r) => r.kind === 'claimIdentity');
  const owners: string[] = [];
  for (const r of claims) owners.push(await visitorIdentityRepository.claim(r.workspaceId, r.identity, r.value, r.claimant));
  const persons = await Promise.all(owners.map((owner, i) => (owner === claims[i].claimant ? owner : personOf(owner))));
  claims.forEach((r, i) => facts.claims.set(r.key, persons[i]));
  await Promise.all(requests.map((r) => lookUp(facts, r)));
}

async function lookUp(facts: Facts, request: FactRequest): Promise<void> {
  switch (request.kind) {
    case 'claimIdentity':
      return; // claimed above
    case 'identityHolder':
      facts.identityHolders.set(request.key, await visitorIdentityRepository.ownerOf(request.workspaceId, request.identity, request.value));
      return;
    case 'visitor':
      facts.visitors.set(request.visitorId, await visitorRepository.findById(request.visitorId));
      return;
    case 'company': {
      const company = await companyRepository.findById(request.companyId);
      facts.companies.set(request.companyId, company ? { name: company.name } : null);
      return;
    }
    case 'location':
      facts.locations.set(request.ip, await locateIp(request.ip));
      return;
    case 'processed':
      facts.processed.set(request.eventId, await ingestRepository.isProcessed(request.eventId));
      return;
  }
}

/** The person a visitor is now: follows `mergedInto` (a few hops at most). */
async function personOf(visitorId: string): Promise<string> {
  let id = visitorId;
  for (let hops = 0; hops < 5; hops++) {
    const doc = await visitorRepository.findById(id);
    if (!doc?.mergedInto) return id;
    id = doc.mergedInto;
  }
  return id;
}
