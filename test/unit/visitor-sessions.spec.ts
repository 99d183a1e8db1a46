import {
  MAX_KEPT_SESSIONS,
  SESSION_INACTIVITY_MS,
  emptySummary,
  mergeSummaries,
  recordPageVisit,
  recordSeen,
  sessionCount,
  sessionStartFor,
  timeSpentSeconds,
} from '../../core/visitors/sessions';
import type { ActivitySummary } from '../../core/visitors/visitor-types';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const at = (minutes: number) => T0 + minutes * MIN;
const visits = (minutes: number[], start: ActivitySummary = emptySummary()) => minutes.reduce((s, m) => recordPageVisit(s, at(m)), start);
const spans = (s: ActivitySummary) => s.sessions.map((x) => [(x.start - T0) / MIN, (x.end - T0) / MIN, x.pageVisits]);

describe('visitor sessions', () => {
  it('starts empty', () => {
    const s = emptySummary();
    expect(s).toEqual({ pageVisits: 0, sessions: [], olderSessions: { count: 0, pageVisits: 0, timeSpentMs: 0 }, firstSeen: null, lastSeen: null });
    expect(emptySummary()).not.toBe(s);
    expect(SESSION_INACTIVITY_MS).toBe(30 * MIN);
  });

  it('keeps a 29-minute gap in one session and splits on a 31-minute gap', () => {
    expect(spans(visits([0, 29]))).toEqual([[0, 29, 2]]);
    expect(spans(visits([0, 31]))).toEqual([[0, 0, 1], [31, 31, 1]]);
    expect(spans(visits([0, 30]))).toEqual([[0, 30, 2]]);
  });

  it('counts visits, sessions, first/last seen and time spent', () => {
    const s = visits([0, 10, 25, 100, 110]);
    expect(s.pageVisits).toBe(5);
    expect(sessionCount(s)).toBe(2);
    expect(s.firstSeen).toBe(at(0));
    expect(s.lastSeen).toBe(at(110));
    expect(timeSpentSeconds(s)).toBe(35 * 60);
  });

  it('does not mutate the summary it is given', () => {
    const before = visits([0, 5]);
    const copy = structuredClone(before);
    const after = recordPageVisit(before, at(10));
    expect(before).toEqual(copy);
    expect(after.sessions[0]).toEqual({ start: at(0), end: at(10), pageVisits: 3 });
  });

  it('handles out-of-order visits: extending at either end, inside, or a new session between', () => {
    const base = visits([100, 110]);
    expect(spans(recordPageVisit(base, at(80)))).toEqual([[80, 110, 3]]);
    expect(spans(recordPageVisit(base, at(130)))).toEqual([[100, 130, 3]]);
    expect(spans(recordPageVisit(base, at(105)))).toEqual([[100, 110, 3]]);
    const two = visits([0, 200]);
    expect(spans(recordPageVisit(two, at(100)))).toEqual([[0, 0, 1], [100, 100, 1], [200, 200, 1]]);
    const early = recordPageVisit(base, at(10));
    expect(spans(early)).toEqual([[10, 10, 1], [100, 110, 2]]);
    expect(early.firstSeen).toBe(at(10));
    expect(early.lastSeen).toBe(at(110));
  });

  it('merges two sessions bridged by a visit between them, summing their visits', () => {
    const s = visits([0, 10, 60, 70]);
    expect(spans(s)).toEqual([[0, 10, 2], [60, 70, 2]]);
    const bridged = recordPageVisit(s, at(35));
    expect(spans(bridged)).toEqual([[0, 70, 5]]);
    expect(bridged.pageVisits).toBe(5);
  });

  it('gives the same sessions whatever the arrival order', () => {
    const times = [0, 20, 45, 100, 125, 300, 310];
    const inOrder = visits(times);
    const shuffled = visits([310, 45, 0, 125, 300, 20, 100]);
    expect(shuffled.sessions).toEqual(inOrder.sessions);
    expect(spans(inOrder)).toEqual([[0, 45, 3], [100, 125, 2], [300, 310, 2]]);
  });

  it('folds the oldest sessions into totals beyond MAX_KEPT_SESSIONS', () => {
    // Sessions of two visits 5 minutes apart, one hour apart from each other.
    const minutes = Array.from({ length: MAX_KEPT_SESSIONS + 2 }, (_, i) => [i * 60, i * 60 + 5]).flat();
    const s = visits(minutes);
    expect(s.sessions).toHaveLength(MAX_KEPT_SESSIONS);
    expect(s.olderSessions).toEqual({ count: 2, pageVisits: 4, timeSpentMs: 2 * 5 * MIN });
    expect(s.sessions[0].start).toBe(at(2 * 60));
    expect(sessionCount(s)).toBe(MAX_KEPT_SESSIONS + 2);
    expect(s.pageVisits).toBe(minutes.length);
    expect(timeSpentSeconds(s)).toBe((MAX_KEPT_SESSIONS + 2) * 5 * 60);
  });

  it('counts a visit older than the kept window as an older session', () => {
    const minutes = Array.from({ length: MAX_KEPT_SESSIONS + 1 }, (_, i) => 1000 + i * 60);
    const s = visits(minutes);
    expect(s.olderSessions.count).toBe(1);
    const old = recordPageVisit(s, at(0));
    expect(old.olderSessions).toEqual({ count: 2, pageVisits: 2, timeSpentMs: 0 });
    expect(old.sessions).toEqual(s.sessions);
    expect(old.firstSeen).toBe(at(0));
    expect(old.pageVisits).toBe(s.pageVisits + 1);
    // Within 30 minutes of the first kept session it still joins that session.
    const near = recordPageVisit(s, s.sessions[0].start - 10 * MIN);
    expect(near.olderSessions.count).toBe(1);
    expect(near.sessions[0]).toEqual({ start: s.sessions[0].start - 10 * MIN, end: s.sessions[0].end, pageVisits: 2 });
  });

  it('records non-page activity in first/last seen only', () => {
    const s = recordSeen(recordSeen(visits([10]), at(50)), at(5));
    expect(s.firstSeen).toBe(at(5));
    expect(s.lastSeen).toBe(at(50));
    expect(s.pageVisits).toBe(1);
    expect(spans(s)).toEqual([[10, 10, 1]]);
  });

  it('finds the start of the session containing a time', () => {
    const s = visits([0, 20, 100]);
    expect(sessionStartFor(s, at(20))).toBe(at(0));
    expect(sessionStartFor(s, at(10))).toBe(at(0));
    expect(sessionStartFor(s, at(100))).toBe(at(100));
    expect(sessionStartFor(s, at(60))).toBeNull();
  });

  it('merges two summaries, re-applying the inactivity rule across both', () => {
    const a = visits([0, 10, 200]);
    const b = visits([35, 500]);
    const m = mergeSummaries(a, b);
    expect(spans(m)).toEqual([[0, 35, 3], [200, 200, 1], [500, 500, 1]]);
    expect(m.pageVisits).toBe(5);
    expect(m.firstSeen).toBe(at(0));
    expect(m.lastSeen).toBe(at(500));
    expect(mergeSummaries(emptySummary(), a)).toEqual(a);
    expect(spans(mergeSummaries(visits([0, 60]), visits([20, 40])))).toEqual([[0, 60, 4]]);
  });

  it('sums older sessions when merging and folds beyond the limit', () => {
    const many = visits(Array.from({ length: MAX_KEPT_SESSIONS + 1 }, (_, i) => i * 60));
    const other = visits(Array.from({ length: 3 }, (_, i) => 100_000 + i * 60));
    const m = mergeSummaries(many, other);
    expect(m.sessions).toHaveLength(MAX_KEPT_SESSIONS);
    expect(m.olderSessions.count).toBe(4);
    expect(sessionCount(m)).toBe(MAX_KEPT_SESSIONS + 4);
    expect(m.pageVisits).toBe(MAX_KEPT_SESSIONS + 4);
  });
});
