/**
 * URL-pattern filter cost: ./scripts/bench url-filters
 *
 * Subscription filters run on page URLs anyone with a publishable key can send. This times the
 * worst known patterns (they froze the process when globs were backtracking regexes) against
 * 4 KB URLs, next to a baseline from the same run: the least any case-insensitive matcher does,
 * lower-casing the URL and searching one short literal in it. Target: every pattern well under a
 * millisecond per match.
 */
import { matchesFilters, URL_PATTERN_MAX_WILDCARDS } from '../core/webhooks/filters';
import { fmt } from './lib/stats';

const urls = {
  'a/ ×2048': 'a/'.repeat(2048),
  'a ×4096': 'a'.repeat(4096),
  'realistic 4 KB': `https://example.com/${'section/'.repeat(500)}pricing?utm_source=${'x'.repeat(60)}`,
};
const patterns = [
  '*a*a*a*!',
  '*a*a*a*a*!',
  '*/*/*/pricing',
  `${'*a'.repeat(URL_PATTERN_MAX_WILDCARDS)}!`,
  `*${'a/'.repeat(240)}!*`,
  'https://example.com/pricing*',
];

/** Microseconds per call, over enough calls to take about 200 ms (results kept, so none is optimised away). */
function microsPerCall(fn: () => unknown): number {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < 200) {
    for (let i = 0; i < 100; i++) if (fn()) hits++;
    calls += 100;
  }
  return ((performance.now() - started) * 1000) / calls;
}

let hits = 0;

function main(): void {
  let worst = 0;
  for (const [name, url] of Object.entries(urls)) {
    const baseline = microsPerCall(() => url.toLowerCase().includes('pricing'));
    console.log(`\nURL ${name} (${url.length} chars) — baseline url.toLowerCase().includes('pricing'): ${fmt(baseline, 3)} µs`);
    for (const pattern of patterns) {
      const us = microsPerCall(() => matchesFilters({ urlPatterns: [pattern] }, 'person.page_visit', { url }));
      worst = Math.max(worst, us);
      console.log(`  ${pattern.length > 40 ? `${pattern.slice(0, 37)}…` : pattern.padEnd(38)} ${fmt(us, 2).padStart(8)} µs  (${fmt(us / baseline, 1)}× baseline)`);
    }
  }
  console.log(`\nworst pattern: ${fmt(worst, 2)} µs per match (target: well under 1,000 µs; ${hits} matches)`);
}

main();
