/**
 * Chromium for the console and portal tests (playwright-core driving Debian's `chromium`): every
 * page visited is checked with axe-core and saved as a screenshot in test/artifacts/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const CHROMIUM = process.env.SIGNALBOX_CHROMIUM_BIN || '/usr/bin/chromium';
const AXE = require.resolve('axe-core/axe.min.js');
let axeSource: string | undefined;

// Code passed to page.evaluate runs in the browser; the root tsconfig has no DOM types.
declare const window: any;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, not added as a <script>: the pages' CSP (script-src 'self') stays on.
  axeSource ??= readFileSync(AXE, 'utf8');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const violations: AxeViolation[] = await page.evaluate(async () => (await window.axe.run()).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}

/** Screenshot to test/artifacts/<name>.png, then the axe check; returns the violations found. */
export async function visit(page: Page, name: string): Promise<AxeViolation[]> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  return seriousViolations(page);
}
