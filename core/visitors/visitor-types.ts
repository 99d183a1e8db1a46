/**
 * Plain shapes of the visitor model, shared by the pipeline (activities), the pure logic in
 * core/visitors and the API views. Stored camelCase; the API shows Salespanel's snake_case.
 */
import type { UtmKey } from './utm';

/** What the visitor pipeline processes, in order, per visitor: ingest events and API commands. */
export type VisitorEventType = 'pageview' | 'event' | 'identify' | 'revenue' | 'set_attributes' | 'set_tags' | 'custom_activity' | 'email_activity' | 'merge_visitor';

export interface RequestContext {
  /** Client IP as seen by the API (after TRUST_PROXY_HOPS); null when unknown. */
  ip: string | null;
  userAgent: string | null;
}

/** One unit of work for a visitor workflow: small, JSON-only, identical in the outbox and the signal. */
export interface VisitorEvent {
  /** `ing_…`: random, or derived from (workspace, messageId) so a repeated message keeps its id. */
  id: string;
  workspaceId: string;
  visitorId: string;
  /** What visitorId was derived from: `fp:<fingerprint>`, `customer:<id>`, `email:<email>` or `id:<visitor id>`. */
  key: string;
  type: VisitorEventType;
  /** When the event happened (ms since epoch), corrected for client clock skew. */
  timestamp: number;
  /** When the API accepted it (ms since epoch). */
  receivedAt: number;
  messageId: string | null;
  context: RequestContext;
  /** The validated `data` of the ingest type or command (see core/ingest/ingest-schemas.ts). */
  data: Record<string, unknown>;
  /**
   * Handed over again (by the outbox sweep, or forwarded after a merge): it may have been applied
   * already, so the processed log is checked. A first hand-over skips that read.
   */
  redelivered?: true;
  /**
   * An identify sent with a publishable key and no valid `user_hash`: it may attach an identity
   * nobody holds to an anonymous visitor, never merge into or change an identified person.
   */
  unverified?: true;
  /** Set on a replay of a parked event: how often it was parked before (counted on if it fails again). */
  timesParked?: number;
}

export type UtmParams = Partial<Record<UtmKey, string>>;

/** Ad-network click ids seen on a landing URL (gclid, fbclid, msclkid, …). */
export type ClickIds = Record<string, string>;

/** Where a session came from: first touch = the earliest session, last touch = the latest. */
export interface Touch {
  source: string;
  medium: string | null;
  campaign: string | null;
  utm: UtmParams;
  referrer: string | null;
  landingPage: string | null;
  clickIds: ClickIds;
  /** Start of the touching session (ms). */
  touchedAt: number;
}

/** A run of page visits with no gap longer than the inactivity limit (30 min). */
export interface Session {
  start: number;
  end: number;
  pageVisits: number;
}

export interface ActivitySummary {
  pageVisits: number;
  /** Most recent sessions, sorted by start; older ones are folded into `olderSessions`. */
  sessions: Session[];
  olderSessions: { count: number; pageVisits: number; timeSpentMs: number };
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface GeoLocation {
  city: string | null;
  region: string | null;
  region_code: string | null;
  country: string | null;
  country_code: string | null;
  continent: string | null;
  continent_code: string | null;
  emoji_flag: string | null;
  emoji_unicode: string | null;
}

export interface ParsedUserAgent {
  browser: string | null;
  device: string | null;
  device_os: string | null;
}

export interface Acquisition {
  source: string;
  medium: string | null;
  campaign: string | null;
  landingPage: string | null;
  landingIp: string | null;
  landingLocation: GeoLocation | null;
  landingUserAgent: ParsedUserAgent | null;
  acquiredAt: number;
}

export interface PersonDetails {
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  title?: string | null;
  organization?: string | null;
  location?: string | null;
}

export interface CompanyRef {
  domain: string;
  name: string | null;
}

export type AttributeValue = string | number | boolean;
export type AttributeType = 'string' | 'number' | 'decimal' | 'boolean';

/** One entry of the activities timeline (Salespanel's `links`, `custom_activity`, `email`). */
export type Activity =
  | { id: string; type: 'links'; at: number; title: string | null; url: string; path: string | null; referrer: string | null; utm: UtmParams; form: boolean; sessionId: string | null }
  | { id: string; type: 'custom_activity'; at: number; category: string; label: string; activityIdentifier: string | null; metadata: Record<string, unknown> }
  | { id: string; type: 'email'; at: number; subject: string };
