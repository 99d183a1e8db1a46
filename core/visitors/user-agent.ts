/**
 * Salespanel's landing_user_agent: `Chrome 120.0.6099`, `Desktop`, `macOS 10.15.7`.
 * Bowser reports Windows as version `NT 10.0` with versionName `10`; the latter is what people know.
 */
import Bowser from 'bowser';
import type { ParsedUserAgent } from './visitor-types';

const DEVICES: Record<string, string> = { desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet', tv: 'TV', bot: 'Bot' };

/** `120.0.6099.109` → `120.0.6099`; null when the version does not start with a number. */
function shortVersion(version: string | undefined): string | null {
  return version?.match(/^\d+(?:\.\d+){0,2}/)?.[0] ?? null;
}

function joined(name: string | undefined, version: string | null | undefined): string | null {
  if (!name) return null;
  return version ? `${name} ${version}` : name;
}

function osVersion(os: Bowser.Parser.OSDetails): string | undefined {
  return os.name === 'Windows' && os.versionName ? os.versionName : os.version;
}

export function parseUserAgent(ua: string | null | undefined): ParsedUserAgent | null {
  if (!ua?.trim()) return null;
  try {
    const r = Bowser.parse(ua);
    const parsed: ParsedUserAgent = {
      browser: joined(r.browser.name, shortVersion(r.browser.version)),
      device: DEVICES[r.platform.type ?? ''] ?? null,
      device_os: joined(r.os.name, osVersion(r.os)),
    };
    // Nothing recognised (curl, garbage): no user agent rather than an object of nulls.
    return parsed.browser || parsed.device || parsed.device_os ? parsed : null;
  } catch {
    return null;
  }
}
