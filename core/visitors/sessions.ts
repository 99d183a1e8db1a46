/**
 * Web sessions derived from page-visit times alone: a session is a run of visits with no gap
 * longer than the inactivity limit. Events can arrive out of order (retries, batched beacons),
 * so every function works from the times, never from arrival order. All functions are pure.
 */
import type { ActivitySummary, Session } from './visitor-types';

export const SESSION_INACTIVITY_MS = 30 * 60 * 1000;
/** Bounds the stored document; older sessions survive only as totals. */
export const MAX_KEPT_SESSIONS = 100;

export function emptySummary(): ActivitySummary {
  return { pageVisits: 0, sessions: [], olderSessions: { count: 0, pageVisits: 0, timeSpentMs: 0 }, firstSeen: null, lastSeen: null };
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

/** A visit at `at` belongs to `s` when it is within the inactivity limit of either end (or inside). */
function touches(s: Session, at: number): boolean {
  return at >= s.start - SESSION_INACTIVITY_MS && at <= s.end + SESSION_INACTIVITY_MS;
}

/** Moves the oldest sessions into the totals until at most MAX_KEPT_SESSIONS remain. */
function foldOldest(sessions: Session[], older: ActivitySummary['olderSessions']): Pick<ActivitySummary, 'sessions' | 'olderSessions'> {
  const excess = Math.max(0, sessions.length - MAX_KEPT_SESSIONS);
  const folded = sessions.slice(0, excess);
  return {
    sessions: sessions.slice(excess),
    olderSessions: {
      count: older.count + folded.length,
      pageVisits: older.pageVisits + folded.reduce((n, s) => n + s.pageVisits, 0),
      timeSpentMs: older.timeSpentMs + folded.reduce((n, s) => n + (s.end - s.start), 0),
    },
  };
}

/** True when `at` predates the kept window and cannot join its first session: it is counted as an older session. */
function isBeforeKeptWindow(summary: ActivitySummary, at: number): boolean {
  const first = summary.sessions[0];
  return summary.olderSessions.count > 0 && first !== undefined && at < first.start - SESSION_INACTIVITY_MS;
}

/** Inserts one visit: joins (and possibly bridges) the sessions it touches, or starts a new one. */
function insertVisit(sessions: Session[], at: number): Session[] {
  const joined = sessions.filter((s) => touches(s, at));
  const others = sessions.filter((s) => !touches(s, at));
  const merged: Session = {
    start: Math.min(at, ...joined.map((s) => s.start)),
    end: Math.max(at, ...joined.map((s) => s.end)),
    pageVisits: 1 + joined.reduce((n, s) => n + s.pageVisits, 0),
  };
  return [...others, merged].sort((a, b) => a.start - b.start);
}

export function recordPageVisit(summary: ActivitySummary, at: number): ActivitySummary {
  const seen = { firstSeen: minOf(summary.firstSeen, at), lastSeen: maxOf(summary.lastSeen, at), pageVisits: summary.pageVisits + 1 };
  if (isBeforeKeptWindow(summary, at)) {
    const o = summary.olderSessions;
    return { ...summary, ...seen, sessions: [...summary.sessions], olderSessions: { ...o, count: o.count + 1, pageVisits: o.pageVisits + 1 } };
  }
  return { ...summary, ...seen, ...foldOldest(insertVisit(summary.sessions, at), summary.olderSessions) };
}

/** Non-page activity (events, identify, …) moves the seen range but is not a page visit. */
export function recordSeen(summary: ActivitySummary, at: number): ActivitySummary {
  return { ...summary, sessions: [...summary.sessions], firstSeen: minOf(summary.firstSeen, at), lastSeen: maxOf(summary.lastSeen, at) };
}

export function sessionCount(s: ActivitySummary): number {
  return s.sessions.length + s.olderSessions.count;
}

export function timeSpentSeconds(s: ActivitySummary): number {
  const keptMs = s.sessions.reduce((n, x) => n + (x.end - x.start), 0);
  return Math.floor((keptMs + s.olderSessions.timeSpentMs) / 1000);
}

export function sessionStartFor(s: ActivitySummary, at: number): number | null {
  return s.sessions.find((x) => x.start <= at && at <= x.end)?.start ?? null;
}

/** Sorted by start, joins each session into the previous one when it begins within the limit of its end. */
function coalesce(sessions: Session[]): Session[] {
  const out: Session[] = [];
  for (const s of [...sessions].sort((a, b) => a.start - b.start)) {
    const prev = out[out.length - 1];
    if (prev && s.start <= prev.end + SESSION_INACTIVITY_MS) {
      out[out.length - 1] = { start: prev.start, end: Math.max(prev.end, s.end), pageVisits: prev.pageVisits + s.pageVisits };
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

/** Union of two visitors' activity (identity merge): sessions that interleave become one. */
export function mergeSummaries(a: ActivitySummary, b: ActivitySummary): ActivitySummary {
  const older = {
    count: a.olderSessions.count + b.olderSessions.count,
    pageVisits: a.olderSessions.pageVisits + b.olderSessions.pageVisits,
    timeSpentMs: a.olderSessions.timeSpentMs + b.olderSessions.timeSpentMs,
  };
  return {
    pageVisits: a.pageVisits + b.pageVisits,
    ...foldOldest(coalesce([...a.sessions, ...b.sessions]), older),
    firstSeen: minOf(a.firstSeen, b.firstSeen),
    lastSeen: maxOf(a.lastSeen, b.lastSeen),
  };
}
