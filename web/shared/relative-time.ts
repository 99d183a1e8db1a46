/** "3 min ago", "in 2 h": pure, so the unit tests cover it without a browser. */
const UNITS: Array<[limitSeconds: number, seconds: number, name: string]> = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [30 * 86_400, 86_400, 'd'],
  [365 * 86_400, 30 * 86_400, 'mo'],
];

export function relativeTime(at: Date, now: Date): string {
  const diff = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  const [, seconds, name] = UNITS.find(([limit]) => abs < limit) ?? [0, 365 * 86_400, 'y'];
  const n = Math.floor(abs / seconds);
  return diff < 0 ? `${n} ${name} ago` : `in ${n} ${name}`;
}
