import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The subject a per-IP limit counts: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber usually holds a whole /64, so counting single addresses would let one client rotate
 * through 2^64 of them). IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientIpBucket(ip: string | undefined | null): string {
  if (!ip) return 'unknown';
  if (!isIPv6(ip)) return ip;
  const parsed = ipaddr.IPv6.parse(ip);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return `${parsed.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}
