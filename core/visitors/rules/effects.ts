/**
 * What the visitor rules decide, as plain data: the effects a decision asks the shell to write,
 * the facts from the database a decision may need first, and the decision itself. Nothing here
 * (nor anywhere in rules/) touches a repository, mongoose or Temporal: the shell
 * (apply-visitor-events.ts, apply-effects.ts) loads the facts and writes the effects.
 */
import type { EventType } from '../../events/event-catalogue';
import type { LeadDoc } from '../../leads/lead.model';
import type { OrderDoc } from '../../orders/order.model';
import type { VisitorDoc } from '../visitor.model';
import type { Activity, GeoLocation, VisitorEvent } from '../visitor-types';

// ---- effects ----------------------------------------------------------------------------------

/** An outgoing event; its id derives from its cause (emittedEventIdFor), so emitting it again is a no-op. */
export interface EmitEffect {
  kind: 'emit';
  workspaceId: string;
  id: string;
  type: EventType;
  data: unknown;
}

/** The visitor's timeline entry number `seq` (idempotent: the same entry is not added twice). */
export interface AppendTimelineEffect {
  kind: 'appendTimeline';
  workspaceId: string;
  visitorId: string;
  seq: number;
  activity: Activity;
}

/** Counts a visit of the company of `domain` (upserting it; it keeps its first non-null name). */
export interface RecordCompanyVisitEffect {
  kind: 'recordCompanyVisit';
  workspaceId: string;
  domain: string;
  name: string | null;
  visitorId: string;
  at: Date;
  pageVisit: boolean;
}

/**
 * The visitor's first lead. The shell inserts it unless it exists (a repeat after a crash), in
 * which case it fills the stored lead's missing contact details; then it emits lead.created with
 * the lead as stored (id from the lead id, so a repeat emits nothing new).
 */
export interface CreateLeadEffect {
  kind: 'createLead';
  lead: LeadDoc;
}

/** Contact details learned after the lead was created: the shell sets those the stored lead lacks (null). */
export interface FillLeadContactEffect {
  kind: 'fillLeadContact';
  leadId: string;
  contact: Pick<LeadDoc, 'email' | 'fullName' | 'phone'>;
}

/** An attributed order (id from workspace + shop order id); `onInserted` is emitted only when this insert created it. */
export interface InsertOrderEffect {
  kind: 'insertOrder';
  order: OrderDoc;
  onInserted: EmitEffect;
}

export interface LogEffect {
  kind: 'log';
  level: 'warn';
  fields: Record<string, unknown>;
  message: string;
}

export type Effect = AppendTimelineEffect | RecordCompanyVisitEffect | CreateLeadEffect | FillLeadContactEffect | InsertOrderEffect | EmitEffect | LogEffect;

// ---- facts ------------------------------------------------------------------------------------

export type IdentityKind = 'email' | 'customer';

/**
 * Something from outside the visitor document a decision needs. The shell resolves each one and
 * decides the event again with it (decisions are pure, so deciding twice is free of side effects).
 * `claimIdentity` is the one that writes: the identity is claimed atomically (a unique `_id`
 * insert), so of two visitors claiming it concurrently exactly one wins, and the answer is who
 * owns it now.
 */
export type FactRequest =
  /** Claim `value` for `claimant`; the fact is the owning person (the claimant if it won; merges followed). */
  | { kind: 'claimIdentity'; key: string; workspaceId: string; identity: IdentityKind; value: string; claimant: string }
  /** Who holds `value` now, without claiming it (the raw visitor id, or null). */
  | { kind: 'identityHolder'; key: string; workspaceId: string; identity: IdentityKind; value: string }
  /** A visitor document (the source of a merge). */
  | { kind: 'visitor'; visitorId: string }
  /** The stored company (its name), by company id. */
  | { kind: 'company'; companyId: string }
  /** The location of an IP address (offline GeoIP data). */
  | { kind: 'location'; ip: string }
  /** Whether an event handed over again was applied before (the processed log). */
  | { kind: 'processed'; eventId: string };

/** Facts the shell has resolved, by the key of their request (identity id, visitor id, company id, ip, event id). */
export interface Facts {
  claims: Map<string, string>;
  identityHolders: Map<string, string | null>;
  visitors: Map<string, VisitorDoc | null>;
  companies: Map<string, { name: string | null } | null>;
  locations: Map<string, GeoLocation | null>;
  processed: Map<string, boolean>;
}

export function emptyFacts(): Facts {
  return { claims: new Map(), identityHolders: new Map(), visitors: new Map(), companies: new Map(), locations: new Map(), processed: new Map() };
}

/** The map of `facts` that answers `request`, and its key there. */
function factSlot(facts: Facts, request: FactRequest): { map: Map<string, unknown>; key: string } {
  switch (request.kind) {
    case 'claimIdentity':
      return { map: facts.claims, key: request.key };
    case 'identityHolder':
      return { map: facts.identityHolders, key: request.key };
    case 'visitor':
      return { map: facts.visitors, key: request.visitorId };
    case 'company':
      return { map: facts.companies, key: request.companyId };
    case 'location':
      return { map: facts.locations, key: request.ip };
    case 'processed':
      return { map: facts.processed, key: request.eventId };
  }
}

export function isKnown(facts: Facts, request: FactRequest): boolean {
  const { map, key } = factSlot(facts, request);
  return map.has(key);
}

// ---- state, context, decision -----------------------------------------------------------------

export interface RuleState {
  visitor: VisitorDoc;
  /**
   * Names this batch's own company visits gave, oldest first, by company id: they are written
   * after the batch is decided, and a company keeps its first non-null name, so a later page view
   * of the batch reads the name from the stored company and these.
   */
  companyVisitNames: Readonly<Record<string, readonly (string | null)[]>>;
}

export interface DecideContext {
  /** The batch's clock (the same for every event of a batch). */
  now: Date;
  facts: Facts;
}

export type Decision =
  | { kind: 'decided'; state: RuleState; effects: Effect[] }
  /**
   * This anonymous visitor is a known person (`into`): the state is saved as merged, and the
   * event and the rest of the batch go to the person's pipeline after `instruction` (absorb me).
   */
  | { kind: 'merged'; state: RuleState; effects: Effect[]; into: string; instruction: VisitorEvent }
  /** Facts to resolve before the event can be decided. */
  | { kind: 'needs'; needs: FactRequest[] };

export const decided = (state: RuleState, effects: Effect[] = []): Decision => ({ kind: 'decided', state, effects });

export function initialState(visitor: VisitorDoc): RuleState {
  return { visitor, companyVisitNames: {} };
}
