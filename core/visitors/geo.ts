/**
 * IP → Salespanel landing_location, from the offline GeoLite data bundled in fast-geoip.
 * fast-geoip only understands IPv4 and answers for any address (127.0.0.1 comes back as JP),
 * so only public unicast IPv4 (or IPv4-mapped IPv6) addresses are looked up.
 */
import { continents, countries, getEmojiFlag, type TContinentCode, type TCountryCode } from 'countries-list';
import geoip from 'fast-geoip';
import ipaddr from 'ipaddr.js';
import type { GeoLocation } from './visitor-types';

function publicIpv4(ip: string): string | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip) && !ipaddr.IPv6.isValid(ip)) return null;
  const addr = ipaddr.process(ip);
  return addr.kind() === 'ipv4' && addr.range() === 'unicast' ? addr.toString() : null;
}

/** `🇺🇸` → `U+1F1FA U+1F1F8`. */
function unicodeOf(emoji: string): string {
  return [...emoji].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}`).join(' ');
}

function countryFields(code: string): Pick<GeoLocation, 'country' | 'continent' | 'continent_code' | 'emoji_flag' | 'emoji_unicode'> {
  const country = (countries as Record<string, { name: string; continent: TContinentCode } | undefined>)[code];
  const flag = country ? getEmojiFlag(code as TCountryCode) : null;
  return {
    country: country?.name ?? null,
    continent: country ? continents[country.continent] : null,
    continent_code: country?.continent ?? null,
    emoji_flag: flag || null,
    emoji_unicode: flag ? unicodeOf(flag) : null,
  };
}

export async function locateIp(ip: string | null | undefined): Promise<GeoLocation | null> {
  try {
    const address = ip ? publicIpv4(ip.trim()) : null;
    const info = address ? await geoip.lookup(address) : null;
    if (!info?.country) return null;
    // The bundled data has region codes (ISO 3166-2 suffix, e.g. ENG) but no region names.
    return { city: info.city || null, region: null, region_code: info.region || null, country_code: info.country, ...countryFields(info.country) };
  } catch {
    return null;
  }
}
