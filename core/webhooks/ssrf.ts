/**
 * Server-side request forgery guard for webhook targets. Two layers:
 * - save time (`checkWebhookUrl`): refuse URLs that point at private, loopback or metadata
 *   addresses, so a user gets an immediate, readable answer;
 * - delivery time (`createGuardedLookup` + `checkWebhookTarget`): the connection itself refuses
 *   such addresses after DNS resolution, so a name that later re-resolves (DNS rebinding) still
 *   cannot reach them, and the socket connects to exactly the address that was checked.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export type TargetPolicy = {
  /** Development only: allow http:// and private/loopback targets. */
  allowPrivate: boolean;
};

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const SSRF_ERROR_CODE = 'ESSRF';
const DNS_CHECK_TIMEOUT_MS = 2_000;

/** Raised when a target address is refused; `code` lets HTTP layers classify it. */
export class BlockedTargetError extends Error {
  readonly code = SSRF_ERROR_CODE;
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

/** True unless `ip` is a globally routable unicast address. Anything unparseable is blocked. */
export function isBlockedAddress(ip: string): boolean {
  // net.isIP is strict (no `127.1`, no hex): only canonical addresses reach ipaddr.js.
  const family = isIP(ip);
  if (family === 4) return ipaddr.IPv4.parse(ip).range() !== 'unicast';
  if (family === 6) return isBlockedIPv6(ipaddr.IPv6.parse(ip));
  return true;
}

function isBlockedIPv6(address: ipaddr.IPv6): boolean {
  // An IPv4-mapped address reaches the embedded IPv4 host: judge that host.
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().range() !== 'unicast';
  // ::/8 (IPv4-compatible and other embeddings ipaddr.js calls 'unicast') is never a real target.
  if (address.parts[0] >> 8 === 0) return true;
  // Only 2000::/3 is allocated as global unicast; the rest is reserved or unassigned.
  if (address.parts[0] >> 13 !== 0b001) return true;
  // 'unicast' excludes NAT64, 6to4, Teredo, documentation, ULA, link-local and friends.
  return address.range() !== 'unicast';
}

/**
 * Synchronous checks that need no DNS: scheme, credentials, host, and IP-literal hosts.
 * Used at save time and again right before every delivery.
 */
export function checkWebhookTarget(raw: string, policy: TargetPolicy): TargetCheck {
  const url = parseUrl(raw);
  if (!url) return refuse('Not a valid URL');
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:')) {
    return refuse(policy.allowPrivate ? 'URL must use http or https' : 'URL must use https');
  }
  if (url.username || url.password) return refuse('URL must not contain credentials');
  if (!url.hostname) return refuse('URL must have a host');
  if (policy.allowPrivate) return { ok: true, url };
  const literal = ipLiteralOf(url);
  if (literal && isBlockedAddress(literal)) {
    return refuse(`Target is a private, loopback or reserved address (${literal})`);
  }
  return { ok: true, url };
}

/**
 * Save-time check. WHATWG URL parsing already turns `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`
 * and `127.1` into dotted IPv4, so literal checks see the real address. A name that does not
 * resolve right now is accepted: delivery re-checks every resolution.
 */
export async function checkWebhookUrl(raw: string, policy: TargetPolicy): Promise<TargetCheck> {
  const checked = checkWebhookTarget(raw, policy);
  if (!checked.ok || policy.allowPrivate || ipLiteralOf(checked.url)) return checked;
  const name = hostnameWithoutTrailingDot(checked.url);
  if (isInternalName(name)) return refuse(`Target host ${name} is internal`);
  const blocked = (await resolveWithTimeout(name, DNS_CHECK_TIMEOUT_MS)).find(isBlockedAddress);
  if (blocked) return refuse(`Target resolves to a private or loopback address (${blocked})`);
  return checked;
}

/**
 * A `lookup` for `net.connect` / undici `connect: { lookup }`: resolves like node:dns but fails
 * with code ESSRF when any resolved address is blocked (unless the policy allows private ones).
 * Refusing on *any* blocked address stops names that mix a public and a private answer.
 */
export function createGuardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const blocked = policy.allowPrivate ? undefined : addresses.find((entry) => isBlockedAddress(entry.address));
      if (blocked) {
        return callback(new BlockedTargetError(`Target ${hostname} resolves to a blocked address (${blocked.address})`), '');
      }
      if (addresses.length === 0) return callback(noAddressError(hostname), '');
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** The bare IP of an IP-literal URL host (`[::1]` → `::1`), or undefined for a name. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : undefined;
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function hostnameWithoutTrailingDot(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.+$/, '');
}

/** Names that only mean something inside a host or a cloud network. */
function isInternalName(name: string): boolean {
  if (name === 'localhost' || name === 'metadata') return true;
  return ['.localhost', '.local', '.internal'].some((suffix) => name.endsWith(suffix));
}

/** Every address of `name`, or none when DNS fails or is slower than `timeoutMs`. */
async function resolveWithTimeout(name: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<LookupAddress[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    const resolved = dnsLookupAsync(name, { all: true, verbatim: true } satisfies LookupOptions).catch(() => []);
    return (await Promise.race([resolved, timedOut])).map((entry) => entry.address);
  } finally {
    clearTimeout(timer);
  }
}

function noAddressError(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
}

function refuse(reason: string): TargetCheck {
  return { ok: false, reason };
}
