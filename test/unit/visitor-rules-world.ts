/**
 * An in-memory stand-in for the shell around the visitor rules (apply-visitor-events.ts): it
 * answers the facts a decision asks for from maps and runs a batch the way the shell does, so the
 * rules are tested without a database. Identity claims behave like the unique `_id` insert: the
 * first claimant owns the identity, later ones learn the owner (following merges).
 */
import { decide } from '../../core/visitors/rules/decide';
import { emptyFacts, initialState, type Decision, type DecideContext, type Effect, type FactRequest, type Facts, type RuleState } from '../../core/visitors/rules/effects';
import { newVisitor } from '../../core/visitors/new-visitor';
import { identityIdFor } from '../../core/visitors/visitor-ids';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import type { GeoLocation, VisitorEvent, VisitorEventType } from '../../core/visitors/visitor-types';

export const WS = 'ws_rules';
export const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
export const MIN = 60_000;
export const NOW = new Date(T0 + 24 * 60 * MIN);

export class World {
  /** identity id → the visitor that claimed it. */
  readonly identities = new Map<string, string>();
  readonly visitors = new Map<string, VisitorDoc>();
  readonly companies = new Map<string, { name: string | null }>();
  readonly processed = new Set<string>();
  readonly locations = new Map<string, GeoLocation>();
  /** Every request answered, in order (to see what a decision asked for). */
  readonly asked: FactRequest[] = [];

  own(kind: 'email' | 'customer', value: string, visitorId: string): this {
    this.identities.set(identityIdFor(WS, kind, value), visitorId);
    return this;
  }

  personOf(visitorId: string): string {
    let id = visitorId;
    for (let hops = 0; hops < 5; hops++) {
      const next = this.visitors.get(id)?.mergedInto;
      if (!next) return id;
      id = next;
    }
    return id;
  }

  resolve(facts: Facts, requests: readonly FactRequest[]): void {
    for (const r of requests) {
      this.asked.push(r);
      switch (r.kind) {
        case 'claimIdentity': {
          const owner = this.identities.get(r.key) ?? r.claimant;
          this.identities.set(r.key, owner);
          facts.claims.set(r.key, owner === r.claimant ? owner : this.personOf(owner));
          break;
        }
        case 'identityHolder':
          facts.identityHolders.set(r.key, this.identities.get(r.key) ?? null);
          break;
        case 'visitor':
          facts.visitors.set(r.visitorId, this.visitors.get(r.visitorId) ?? null);
          break;
        case 'company':
          facts.companies.set(r.companyId, this.companies.get(r.companyId) ?? null);
          break;
        case 'location':
          facts.locations.set(r.ip, this.locations.get(r.ip) ?? null);
          break;
        case 'processed':
          facts.processed.set(r.eventId, this.processed.has(r.eventId));
          break;
      }
    }
  }

  /** Decides one event, answering its fact requests, like the shell's decideWithFacts. */
  decide(state: RuleState, event: VisitorEvent, ctx: DecideContext): Exclude<Decision, { kind: 'needs' }> {
    for (let round = 0; round < 5; round++) {
      const decision = decide(state, event, ctx);
      if (decision.kind !== 'needs') return decision;
      this.resolve(ctx.facts, decision.needs);
    }
    throw new Error('still needs facts');
  }

  /** A batch as the shell runs it: in order, stopping at a merge. */
  run(visitor: VisitorDoc | RuleState, events: VisitorEvent[], now = NOW): BatchResult {
    const ctx: DecideContext = { now, facts: emptyFacts() };
    let state = 'visitor' in visitor ? visitor : initialState(visitor);
    const effects: Effect[] = [];
    for (const [i, event] of events.entries()) {
      const decision = this.decide(state, event, ctx);
      state = decision.state;
      effects.push(...decision.effects);
      if (decision.kind === 'merged') return { state, effects, applied: i, merged: { into: decision.into, instruction: decision.instruction } };
    }
    return { state, effects, applied: events.length, merged: null };
  }
}

export interface BatchResult {
  state: RuleState;
  effects: Effect[];
  /** How many events were applied here (the rest, from a merge on, go to the person). */
  applied: number;
  merged: { into: string; instruction: VisitorEvent } | null;
}

export function visitor(id = 'vis_a', over: Partial<VisitorDoc> = {}): VisitorDoc {
  return { ...newVisitor(WS, id, `fp:${id}`, new Date(T0)), ...over };
}

let seq = 0;
export function event(type: VisitorEventType, data: Record<string, unknown>, over: Partial<VisitorEvent> = {}): VisitorEvent {
  seq += 1;
  return { id: `ing_${seq}`, workspaceId: WS, visitorId: 'vis_a', key: 'fp:vis_a', type, timestamp: T0 + seq * MIN, receivedAt: T0 + seq * MIN, messageId: null, context: { ip: null, userAgent: null }, data, ...over };
}

export const pageview = (url: string, over: Partial<VisitorEvent> = {}, data: Record<string, unknown> = {}) => event('pageview', { visitor_fingerprint: 'fp', url, ...data }, over);
export const identify = (data: Record<string, unknown>, over: Partial<VisitorEvent> = {}) => event('identify', { visitor_fingerprint: 'fp', ...data }, over);

export const kinds = (effects: Effect[]) => effects.map((e) => (e.kind === 'emit' ? `emit:${e.type}` : e.kind));
