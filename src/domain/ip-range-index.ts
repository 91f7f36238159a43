/**
 * Longest-prefix-match lookup of IP ranges ("who owns 203.0.113.77?"), in process.
 *
 * IPv4 and IPv6 are separate address spaces; an IPv4-mapped IPv6 address or range
 * (`::ffff:203.0.113.77`, `::ffff:203.0.113.0/120`) is treated as the IPv4 one.
 *
 * Address parsing is our own and strict (no `010.0.0.1`, no `127.1`, no zone ids):
 * ipaddr.js accepts the classful and octal IPv4 forms, and reads the IPv4-compatible
 * `::1.2.3.4` as the mapped `::ffff:1.2.3.4`, which would put ranges in the wrong space.
 */
import { invalid } from './errors.js';

export interface IpRangeMatch<T> {
  /** Canonical network form: `203.0.113.0/24`, `2001:db8::/32` (RFC 5952). */
  cidr: string;
  prefixLength: number;
  value: T;
}

export interface IpRangeLookup<T> {
  /** The most specific range (longest prefix); for a CIDR added with several values, the first added. */
  best: IpRangeMatch<T>;
  /** Every other (range, value) containing the address, most specific first; same-CIDR values in the order added. */
  covering: IpRangeMatch<T>[];
}

export interface ParsedCidr {
  family: 4 | 6;
  /** Network address with host bits cleared, canonical (RFC 5952 for IPv6). */
  network: string;
  prefixLength: number;
}

/** An address as a number: IPv4 as unsigned 32 bits, IPv6 as a 128-bit bigint. */
export type Address = { family: 4; value: number } | { family: 6; value: bigint };

/** One prefix length's ranges: masked address → the values added for that exact CIDR. */
interface V4Table<T> {
  prefixLength: number;
  mask: number;
  ranges: Map<number, IpRangeMatch<T>[]>;
}
interface V6Table<T> {
  prefixLength: number;
  shift: bigint;
  ranges: Map<bigint, IpRangeMatch<T>[]>;
}

/**
 * Owner lookup by longest prefix match over IPv4 and IPv6 ranges.
 *
 * Ranges may overlap and nest freely. Several values may be added for the same CIDR
 * (two organisations claim the same range): all are kept, `best` is the first added and
 * the others come first in `covering`. Adding the same value (`Object.is`) twice for
 * the same CIDR is a no-op. Match objects are shared between lookups: do not mutate them.
 *
 * IPv4 is one hash probe per prefix length present in the index, longest first.
 */
export class IpRangeIndex<T> {
  /** Ordered by prefix length, longest first: the probe order. */
  #v4: V4Table<T>[] = [];
  #v6: V6Table<T>[] = [];
  #size = 0;

  /**
   * Add a CIDR (v4 or v6; host bits are cleared, a bare address is a /32 or /128).
   * Throws an `AppError` (VALIDATION) naming the bad input.
   */
  add(cidr: string, value: T): void {
    const parsed = parseCidrAddress(cidr);
    if (typeof parsed === 'string') throw invalid(`invalid IP range "${cidr}": ${parsed}`);
    this.#insert(parsed.address, parsed.prefixLength, value);
  }

  /**
   * Add an inclusive range (RIR delegation files give start + count), stored as the
   * minimal set of CIDRs covering exactly `first`…`last`.
   */
  addRange(first: string, last: string, value: T): void {
    for (const block of rangeBlocks(first, last)) this.#insert(block.address, block.prefixLength, value);
  }

  /** The ranges containing `ip`; undefined when none does or `ip` is not an address. */
  lookup(ip: string): IpRangeLookup<T> | undefined {
    const v4 = parseIPv4(ip);
    if (v4 >= 0) return this.#lookupV4(v4 | 0);
    const address = parseAddress(ip.trim());
    if (address === undefined) return undefined;
    return address.family === 4 ? this.#lookupV4(address.value | 0) : this.#lookupV6(address.value);
  }

  /** Number of (CIDR, value) entries; an `addRange` counts once per CIDR it decomposes into. */
  get size(): number {
    return this.#size;
  }

  #lookupV4(address: number): IpRangeLookup<T> | undefined {
    let best: IpRangeMatch<T> | undefined;
    const covering: IpRangeMatch<T>[] = [];
    const tables = this.#v4;
    for (let i = 0; i < tables.length; i++) {
      const table = tables[i]!;
      const found = table.ranges.get(address & table.mask);
      if (found === undefined) continue;
      for (let j = 0; j < found.length; j++) {
        if (best === undefined) best = found[j];
        else covering.push(found[j]!);
      }
    }
    return best === undefined ? undefined : { best, covering };
  }

  #lookupV6(address: bigint): IpRangeLookup<T> | undefined {
    let best: IpRangeMatch<T> | undefined;
    const covering: IpRangeMatch<T>[] = [];
    for (const table of this.#v6) {
      const found = table.ranges.get(address >> table.shift);
      if (found === undefined) continue;
      for (const match of found) {
        if (best === undefined) best = match;
        else covering.push(match);
      }
    }
    return best === undefined ? undefined : { best, covering };
  }

  #insert(address: Address, prefixLength: number, value: T): void {
    const cidr = `${formatAddress(address)}/${prefixLength}`;
    const match: IpRangeMatch<T> = Object.freeze({ cidr, prefixLength, value });
    let bucket: IpRangeMatch<T>[] | undefined;
    if (address.family === 4) {
      const table = this.#v4Table(prefixLength);
      const key = address.value & table.mask;
      bucket = table.ranges.get(key);
      // A literal, not `[]` + push: push would reserve room for 17 and cost ~130 bytes per range.
      if (bucket === undefined) table.ranges.set(key, [match]);
    } else {
      const table = this.#v6Table(prefixLength);
      const key = address.value >> table.shift;
      bucket = table.ranges.get(key);
      if (bucket === undefined) table.ranges.set(key, [match]);
    }
    if (bucket !== undefined) {
      if (bucket.some((m) => Object.is(m.value, value))) return;
      bucket.push(match);
    }
    this.#size++;
  }

  #v4Table(prefixLength: number): V4Table<T> {
    let table = this.#v4.find((t) => t.prefixLength === prefixLength);
    if (table === undefined) {
      table = { prefixLength, mask: v4Mask(prefixLength), ranges: new Map() };
      this.#v4.push(table);
      this.#v4.sort((a, b) => b.prefixLength - a.prefixLength);
    }
    return table;
  }

  #v6Table(prefixLength: number): V6Table<T> {
    let table = this.#v6.find((t) => t.prefixLength === prefixLength);
    if (table === undefined) {
      table = { prefixLength, shift: BigInt(128 - prefixLength), ranges: new Map() };
      this.#v6.push(table);
      this.#v6.sort((a, b) => b.prefixLength - a.prefixLength);
    }
    return table;
  }
}

/**
 * Parse a CIDR into canonical network form (host bits cleared, RFC 5952 for IPv6).
 * A bare address is a host route (/32, /128); an IPv4-mapped IPv6 range of /96 or longer
 * is returned as the IPv4 range. Undefined when the input is not a CIDR.
 */
export function parseCidr(cidr: string): ParsedCidr | undefined {
  const parsed = parseCidrAddress(cidr);
  if (typeof parsed === 'string') return undefined;
  return { family: parsed.address.family, network: formatAddress(parsed.address), prefixLength: parsed.prefixLength };
}

/**
 * The minimal list of CIDRs covering exactly the inclusive range `first`…`last`
 * (`10.0.0.0`–`10.0.2.255` → `10.0.0.0/23`, `10.0.2.0/24`). Throws an `AppError`
 * (VALIDATION) on bad addresses, mixed families or `first` after `last`.
 */
export function rangeToCidrs(first: string, last: string): string[] {
  return rangeBlocks(first, last).map((b) => `${formatAddress(b.address)}/${b.prefixLength}`);
}

// ---------------------------------------------------------------------------
// Parsing and formatting

/** In ::ffff:0:0/96, the IPv4-mapped addresses. */
const isMapped = (v6: bigint): boolean => v6 >> 32n === 0xffffn;

function parseCidrAddress(input: string): { address: Address; prefixLength: number } | string {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseAddressExact(addressText);
  if (address === undefined) return `"${addressText}" is not an IPv4 or IPv6 address`;
  const bits = address.family === 4 ? 32 : 128;
  let prefixLength = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return `prefix length "/${prefixText}" is not a number`;
    prefixLength = Number(prefixText);
    if (prefixLength > bits) return `prefix length /${prefixLength} is longer than ${bits} bits`;
  }
  if (address.family === 6 && prefixLength >= 96 && isMapped(address.value)) {
    return { address: { family: 4, value: Number(address.value & 0xffffffffn) }, prefixLength: prefixLength - 96 };
  }
  return { address: networkOf(address, prefixLength), prefixLength };
}

function networkOf(address: Address, prefixLength: number): Address {
  if (address.family === 4) return { family: 4, value: (address.value & v4Mask(prefixLength)) >>> 0 };
  const hostBits = BigInt(128 - prefixLength);
  return { family: 6, value: (address.value >> hostBits) << hostBits };
}

const v4Mask = (prefixLength: number): number => (prefixLength === 0 ? 0 : -1 << (32 - prefixLength));

/** An address as looked up: IPv4-mapped IPv6 becomes IPv4. Strict: undefined for anything else. */
export function parseAddress(text: string): Address | undefined {
  const address = parseAddressExact(text);
  if (address?.family === 6 && isMapped(address.value)) {
    return { family: 4, value: Number(address.value & 0xffffffffn) };
  }
  return address;
}

function parseAddressExact(text: string): Address | undefined {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** Strict dotted quad (no leading zeros, no short forms) as an unsigned 32-bit number; -1 when invalid. */
function parseIPv4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** RFC 4291 text form, with an optional trailing dotted quad; no zone ids. */
function parseIPv6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45 || text.includes('%')) return undefined;
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : parseGroups(head, gap < 0);
  const tailGroups = tail === '' ? [] : parseGroups(tail, true);
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const count = headGroups.length + tailGroups.length;
  if (gap < 0 ? count !== 8 : count > 7) return undefined;
  let value = 0n;
  for (const g of headGroups) value = (value << 16n) | BigInt(g);
  value <<= BigInt(16 * (8 - count));
  for (const g of tailGroups) value = (value << 16n) | BigInt(g);
  return value;
}

function parseGroups(text: string, mayEndInIPv4: boolean): number[] | undefined {
  const pieces = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (HEX_GROUP.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else if (mayEndInIPv4 && i === pieces.length - 1) {
      const v4 = parseIPv4(piece);
      if (v4 < 0) return undefined;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Canonical text of an address (RFC 5952 for IPv6). */
export function formatAddress(address: Address): string {
  if (address.family === 4) {
    const v = address.value >>> 0;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  return formatIPv6(address.value);
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, leftmost on a tie. */
function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

// ---------------------------------------------------------------------------
// Range decomposition

function rangeBlocks(first: string, last: string): { address: Address; prefixLength: number }[] {
  const from = parseAddress(first.trim());
  const to = parseAddress(last.trim());
  if (from === undefined) throw invalid(`invalid range start "${first}": not an IPv4 or IPv6 address`);
  if (to === undefined) throw invalid(`invalid range end "${last}": not an IPv4 or IPv6 address`);
  if (from.family !== to.family) throw invalid(`invalid range ${first}–${last}: one end is IPv4, the other IPv6`);
  const bits = from.family === 4 ? 32 : 128;
  let start = BigInt(from.value);
  const end = BigInt(to.value);
  if (start > end) throw invalid(`invalid range ${first}–${last}: the start is after the end`);
  const blocks: { address: Address; prefixLength: number }[] = [];
  while (start <= end) {
    // The largest block aligned at `start` that does not run past `end`.
    let hostBits = 0;
    while (hostBits < bits && ((start >> BigInt(hostBits)) & 1n) === 0n && start + (1n << BigInt(hostBits + 1)) - 1n <= end) {
      hostBits++;
    }
    const address: Address = from.family === 4 ? { family: 4, value: Number(start) } : { family: 6, value: start };
    blocks.push({ address, prefixLength: bits - hostBits });
    start += 1n << BigInt(hostBits);
  }
  return blocks;
}
