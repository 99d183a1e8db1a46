/**
 * IP-network provider (offline): which autonomous system announces a visitor's address, and is
 * that network the visitor's employer or just their ISP, carrier or cloud?
 *
 * Data: npm package `@ip-location-db/asn` (IPv4/IPv6 → ASN + organisation), CC BY 4.0.
 * Attribution it requires: the data comes from RouteViews (https://www.routeviews.org/), the
 * NRO (https://www.nro.net/) and DB-IP's IP to ASN Lite (https://db-ip.com/); a web page that
 * shows or uses these results must link back to DB-IP.com, e.g.
 * `<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>`. Data is used unmodified.
 *
 * Index: built lazily from the package's `*-num.csv` files on first use (or `loadAsnIndex()`),
 * streamed line by line. IPv4 ranges live in three Uint32Arrays (start, end, org id) and IPv6
 * ranges in two Uint32Arrays of four 32-bit words per bound, plus an org table of distinct
 * (asn, organisation) entries; a lookup is one binary search, no allocation per step.
 */
import { createReadStream } from 'node:fs';
import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import ipaddr from 'ipaddr.js';
import { isBlockedAddress } from '../../webhooks/ssrf';
import { NETWORK_CLASS_BY_ASN, NETWORK_KEYWORDS } from './network-classes';

export interface IpNetwork {
  asn: number;
  organization: string;
  network_type: 'isp' | 'mobile' | 'hosting' | 'business';
  /** Null unless network_type is 'business'. */
  company_name: string | null;
}

// ---- classification ---------------------------------------------------------------------

/**
 * Pure: known ASNs first, then keywords of the organisation name; anything else is a business
 * network whose (cleaned) name is the company.
 */
export function classifyNetwork(asn: number, org: string): Pick<IpNetwork, 'network_type' | 'company_name'> {
  const known = NETWORK_CLASS_BY_ASN.get(asn);
  if (known) return { network_type: known, company_name: null };
  const name = org.toLowerCase();
  for (const [networkClass, pattern] of NETWORK_KEYWORDS) {
    if (pattern.test(name)) return { network_type: networkClass, company_name: null };
  }
  const company = cleanOrganizationName(org);
  return { network_type: 'business', company_name: company || null };
}

/** Legal forms removed from the end of a name (case-insensitive, optional dots, repeated). */
const LEGAL_SUFFIX =
  /[\s,]+(?:inc|incorporated|llc|l\.l\.c|ltd|limited|plc|gmbh(?:\s*&\s*co\.?\s*kg)?|ag|kg|sa|s\.a|sas|s\.a\.s|sarl|s\.a\.r\.l|srl|s\.r\.l|spa|s\.p\.a|s\.l|bv|b\.v|nv|n\.v|corp|corporation|co|company|pty|pvt|private|oy|ab|as|a\/s|aps|kk|k\.k|sro|s\.r\.o|sp\.? z o\.?o|lp|llp)\.?$/i;
/** Legal forms in front (Eastern European registrations: `LLC "Sputnik"`, `PJSC Rostelecom`). */
const LEGAL_PREFIX = /^(?:llc|ooo|jsc|pjsc|ojsc|cjsc|zao|oao|tov|too|pp|pt|cv)\s+/i;

/**
 * Readable company name from an AS organisation: `Acme Widgets, Inc.` → `Acme Widgets`,
 * `Siemens AG` → `Siemens`, `LLC "Sputnik"` → `Sputnik`. Case is kept (`IBM`, `eBay`); legal
 * forms are stripped from the end (several: `Foo Pty Ltd`) and from the front, then quotes.
 */
export function cleanOrganizationName(org: string): string {
  let name = org.replace(/\s+/g, ' ').trim();
  for (let i = 0; i < 4; i++) {
    const next = name.replace(LEGAL_SUFFIX, '').replace(LEGAL_PREFIX, '').trim();
    if (next === name || next.length === 0) break;
    name = next;
  }
  name = name.replace(/^["'«]+|["'»]+$/g, '').replace(/[\s,;-]+$/, '').trim();
  return name || org.trim();
}

// ---- index ------------------------------------------------------------------------------

interface OrgTable {
  asns: number[];
  names: string[];
}

interface AsnIndex {
  v4Starts: Uint32Array;
  v4Ends: Uint32Array;
  v4Orgs: Uint32Array;
  /** Four big-endian 32-bit words per bound. */
  v6Starts: Uint32Array;
  v6Ends: Uint32Array;
  v6Orgs: Uint32Array;
  orgs: OrgTable;
}

/** A Uint32Array that grows by doubling, for rows counted only while streaming. */
class U32Builder {
  private data = new Uint32Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  at(i: number): number {
    return this.data[i];
  }
  set(i: number, value: number): void {
    this.data[i] = value;
  }
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }
  build(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Splits one CSV record (RFC 4180: quoted fields, `""` inside quotes). The files have no quoted
 * newlines, so a line is a record.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        const quote = line.indexOf('"', i);
        if (quote === -1) {
          value += line.slice(i);
          i = line.length;
          break;
        }
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      // Skip to the next separator (anything between a closing quote and a comma is dropped).
      const comma = line.indexOf(',', i);
      i = comma === -1 ? line.length + 1 : comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

function packageFile(name: string): string {
  return require.resolve(`@ip-location-db/asn/${name}`);
}

async function* csvRows(file: string): AsyncGenerator<string[]> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length > 0) yield splitCsvLine(line);
  }
}

class OrgInterner {
  readonly table: OrgTable = { asns: [], names: [] };
  private readonly ids = new Map<string, number>();
  idOf(asn: number, name: string): number {
    const key = `${asn}|${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.table.names.length;
      this.table.asns.push(asn);
      // A copy, not a slice: a sliced string would keep readline's whole input chunk alive.
      this.table.names.push(Buffer.from(name, 'utf8').toString('utf8'));
      this.ids.set(key, id);
    }
    return id;
  }
}

const TWO_32 = 2n ** 32n;
const MASK_32 = TWO_32 - 1n;

function pushV6(target: U32Builder, value: bigint): void {
  target.push(Number((value >> 96n) & MASK_32));
  target.push(Number((value >> 64n) & MASK_32));
  target.push(Number((value >> 32n) & MASK_32));
  target.push(Number(value & MASK_32));
}

async function buildIndex(): Promise<AsnIndex> {
  const orgs = new OrgInterner();
  const v4 = { starts: new U32Builder(), ends: new U32Builder(), orgs: new U32Builder() };
  for await (const [start, end, asn, org] of csvRows(packageFile('asn-ipv4-num.csv'))) {
    const s = Number(start);
    const e = Number(end);
    const a = Number(asn);
    if (!Number.isInteger(s) || !Number.isInteger(e) || !Number.isInteger(a) || s < 0 || s > e || e > 0xffffffff) continue;
    const last = v4.starts.length - 1;
    if (last >= 0) {
      if (s < v4.starts.at(last)) throw new Error(`asn-ipv4-num.csv is not sorted (row ${v4.starts.length + 1})`);
      // A range overlapping the previous one wins for the addresses they share (the file has
      // one such row); the previous range ends where it starts, or is dropped if it starts there.
      if (s <= v4.ends.at(last)) {
        if (s === v4.starts.at(last)) {
          v4.starts.truncate(last);
          v4.ends.truncate(last);
          v4.orgs.truncate(last);
        } else {
          v4.ends.set(last, s - 1);
        }
      }
    }
    v4.starts.push(s);
    v4.ends.push(e);
    v4.orgs.push(orgs.idOf(a, org ?? ''));
  }
  const v6 = { starts: new U32Builder(), ends: new U32Builder(), orgs: new U32Builder() };
  let previousV6Start = -1n;
  let previousV6End = -1n;
  for await (const [start, end, asn, org] of csvRows(packageFile('asn-ipv6-num.csv'))) {
    let s: bigint;
    let e: bigint;
    try {
      s = BigInt(start);
      e = BigInt(end);
    } catch {
      continue;
    }
    const a = Number(asn);
    if (!Number.isInteger(a) || s > e || s < 0n || e >= 1n << 128n) continue;
    if (s < previousV6Start) throw new Error('asn-ipv6-num.csv is not sorted');
    if (s <= previousV6End) {
      // Same overlap rule as IPv4.
      const last = v6.orgs.length - 1;
      if (s === previousV6Start) {
        v6.starts.truncate(last * 4);
        v6.ends.truncate(last * 4);
        v6.orgs.truncate(last);
      } else {
        v6.ends.truncate(last * 4);
        pushV6(v6.ends, s - 1n);
      }
    }
    previousV6Start = s;
    previousV6End = e;
    pushV6(v6.starts, s);
    pushV6(v6.ends, e);
    v6.orgs.push(orgs.idOf(a, org ?? ''));
  }
  const index: AsnIndex = {
    v4Starts: v4.starts.build(),
    v4Ends: v4.ends.build(),
    v4Orgs: v4.orgs.build(),
    v6Starts: v6.starts.build(),
    v6Ends: v6.ends.build(),
    v6Orgs: v6.orgs.build(),
    orgs: orgs.table,
  };
  assertSorted(index);
  return index;
}

/** Binary search needs ascending starts; the package ships them sorted, and this proves it. */
function assertSorted(index: AsnIndex): void {
  for (let i = 1; i < index.v4Starts.length; i++) {
    if (index.v4Starts[i] <= index.v4Ends[i - 1]) throw new Error(`asn-ipv4-num.csv is not sorted or overlaps at row ${i + 1}`);
  }
  for (let i = 1; i < index.v6Orgs.length; i++) {
    if (compareV6(index.v6Starts, i * 4, index.v6Ends, (i - 1) * 4) <= 0) throw new Error(`asn-ipv6-num.csv is not sorted or overlaps at row ${i + 1}`);
  }
}

function compareV6(a: Uint32Array, aOffset: number, b: Uint32Array, bOffset: number): number {
  for (let k = 0; k < 4; k++) {
    const diff = a[aOffset + k] - b[bOffset + k];
    if (diff !== 0) return diff;
  }
  return 0;
}

let loaded: AsnIndex | undefined;
let loading: Promise<AsnIndex> | undefined;

/** Builds the index once; concurrent callers share the same load, and a failed load may be retried. */
export async function loadAsnIndex(): Promise<void> {
  await indexReady();
}

function indexReady(): Promise<AsnIndex> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= buildIndex().then(
    (index) => {
      loaded = index;
      return index;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Sizes of the loaded index (for measurements and health output); null before the first load. */
export function asnIndexStats(): { ipv4Ranges: number; ipv6Ranges: number; organizations: number } | null {
  if (!loaded) return null;
  return { ipv4Ranges: loaded.v4Starts.length, ipv6Ranges: loaded.v6Orgs.length, organizations: loaded.orgs.names.length };
}

// ---- lookup -----------------------------------------------------------------------------

/**
 * The network owning `ip`, or null for anything that is not a public unicast address (private,
 * loopback, reserved, unparseable) or that no AS announces. Never throws for bad input.
 */
export async function lookupIpNetwork(ip: string): Promise<IpNetwork | null> {
  const address = publicAddress(ip);
  if (!address) return null;
  const index = await indexReady();
  const orgId = address.kind() === 'ipv4' ? findV4(index, (address as ipaddr.IPv4).toByteArray()) : findV6(index, (address as ipaddr.IPv6).parts);
  if (orgId === undefined) return null;
  const asn = index.orgs.asns[orgId];
  const organization = index.orgs.names[orgId];
  return { asn, organization, ...classifyNetwork(asn, organization) };
}

/** Parsed public unicast address (an IPv4-mapped IPv6 address becomes its IPv4), else null. */
function publicAddress(ip: unknown): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (typeof ip !== 'string') return null;
  const text = ip.trim();
  // net.isIP is strict (no `127.1`, no hex); isBlockedAddress is the webhook SSRF notion of
  // "not globally routable unicast", built on ipaddr.js ranges.
  if (!isIP(text) || text.includes('%') || isBlockedAddress(text)) return null;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

function findV4(index: AsnIndex, bytes: number[]): number | undefined {
  const value = ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
  const starts = index.v4Starts;
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && value <= index.v4Ends[found] ? index.v4Orgs[found] : undefined;
}

function findV6(index: AsnIndex, parts: number[]): number | undefined {
  const key = new Uint32Array([((parts[0] << 16) | parts[1]) >>> 0, ((parts[2] << 16) | parts[3]) >>> 0, ((parts[4] << 16) | parts[5]) >>> 0, ((parts[6] << 16) | parts[7]) >>> 0]);
  let lo = 0;
  let hi = index.v6Orgs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareV6(index.v6Starts, mid * 4, key, 0) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && compareV6(key, 0, index.v6Ends, found * 4) <= 0 ? index.v6Orgs[found] : undefined;
}
