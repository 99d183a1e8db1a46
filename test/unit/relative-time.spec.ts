import { relativeTime } from '../../web/shared/relative-time';

describe('relativeTime (console and portal)', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const at = (secondsFromNow: number) => new Date(now.getTime() + secondsFromNow * 1000);

  it.each([
    [0, 'just now'],
    [-4, 'just now'],
    [-45, '45 s ago'],
    [-60, '1 min ago'],
    [-3599, '59 min ago'],
    [-7200, '2 h ago'],
    [-3 * 86_400, '3 d ago'],
    [-90 * 86_400, '3 mo ago'],
    [-800 * 86_400, '2 y ago'],
    [600, 'in 10 min'],
  ])('%i s from now → %s', (seconds, expected) => {
    expect(relativeTime(at(seconds), now)).toBe(expected);
  });
});
