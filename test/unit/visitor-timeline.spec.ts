import { pageDurations } from '../../core/visitors/timeline';
import type { Activity } from '../../core/visitors/visitor-types';

const page = (id: string, at: number): Activity => ({ id, type: 'links', at, title: null, url: `https://example.com/${id}`, path: `/${id}`, referrer: null, utm: {}, form: false, sessionId: null });
const minutes = (n: number) => n * 60_000;

describe('pageDurations (Salespanel page_duration)', () => {
  it('is the whole seconds until the next page view of the same device', () => {
    const durations = pageDurations([page('a', 0), page('b', 12_400), page('c', minutes(5))]);
    expect([...durations]).toEqual([
      ['a', 12],
      ['b', 288],
    ]);
  });

  it('leaves out the last page and a page whose next view came more than 30 minutes later', () => {
    const durations = pageDurations([page('a', 0), page('b', minutes(30)), page('c', minutes(60) + 1)]);
    expect(durations.get('a')).toBe(1800);
    expect(durations.has('b')).toBe(false);
    expect(durations.has('c')).toBe(false);
  });

  it('works from the times, not the stored order, and ignores other activities', () => {
    const custom: Activity = { id: 'x', type: 'custom_activity', at: 1_000, category: 'event', label: 'signup', activityIdentifier: null, metadata: {} };
    const durations = pageDurations([page('b', 10_000), custom, page('a', 0)]);
    expect([...durations]).toEqual([['a', 10]]);
  });
});
