/**
 * IPv4, IPv6 and CIDR: parsing, canonical text and the private/reserved flag.
 *
 * Hand-written rather than ipaddr.js: ipaddr.js reads the IPv4-compatible form
 * `::1.2.3.4` as IPv4-mapped, and extraction calls these on every candidate,
 * so they are kept allocation-light.
 */
import type { ExtractedObservable } from './observable.js';

/**
 * Four decimal octets, 0–255. An octet with leading zeros (`010`) is read as
 * DECIMAL and normalised (`192.168.001.010` → `192.168.1.10`): firewall and
 * mail logs zero-pad addresses to fixed width, and that is what reports quote.
 * (The octal reading `inet_aton` and browsers apply is an obfuscation trick;
 * inside a URL the WHATWG parser applies it, so a URL's host is what a browser
 * would really contact.)
 */
export function parseIpv4(text: string): number | undefined {
  const len = text.length;
  if (len < 7 || len > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || octet > 255 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return value * 256 + octet;
}

export const formatIpv4 = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;

const ipv4Mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

const v4 = (text: string, prefix: number): [number, number] => [parseIpv4(text)!, prefix];

/**
 * Not globally reachable (IANA special-purpose registry): these are flagged
 * private. The documentation ranges 192.0.2.0/24, 198.51.100.0/24 and
 * 203.0.113.0/24 (RFC 5737) are deliberately NOT here: in our examples, drills
 * and tests they stand in for public addresses, and a drill must exercise the
 * same path (notification, lookups) as a real incident.
 */
const PRIVATE_IPV4: readonly [number, number][] = [
  v4('0.0.0.0', 8), // "this network"
  v4('10.0.0.0', 8), // RFC 1918
  v4('100.64.0.0', 10), // CGNAT, RFC 6598
  v4('127.0.0.0', 8), // loopback
  v4('169.254.0.0', 16), // link-local
  v4('172.16.0.0', 12), // RFC 1918
  v4('192.0.0.0', 24), // IETF protocol assignments
  v4('192.168.0.0', 16), // RFC 1918
  v4('198.18.0.0', 15), // benchmarking, RFC 2544
  v4('224.0.0.0', 4), // multicast
  v4('240.0.0.0', 4), // reserved, and the limited broadcast 255.255.255.255
];

const PRIVATE_IPV4_MASKS = PRIVATE_IPV4.map(([, bits]) => ipv4Mask(bits));

/** Whether the whole network `value/prefix` lies inside a private/reserved range. */
export function isPrivateIpv4(value: number, prefix = 32): boolean {
  for (let i = 0; i < PRIVATE_IPV4.length; i++) {
    const range = PRIVATE_IPV4[i]!;
    if (prefix >= range[1] && ((value & PRIVATE_IPV4_MASKS[i]!) >>> 0) === range[0]) return true;
  }
  return false;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseGroups(text: string, into: number[]): boolean {
  if (text === '') return true;
  const groups = text.split(':');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (i === groups.length - 1 && group.includes('.')) {
      const tail = parseIpv4(group);
      if (tail === undefined) return false;
      into.push(tail >>> 16, tail & 0xffff);
    } else if (HEX_GROUP.test(group)) {
      into.push(parseInt(group, 16));
    } else {
      return false;
    }
  }
  return true;
}

/** Eight 16-bit groups; accepts `::` compression and a dotted IPv4 tail. No zone ids. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const head: number[] = [];
  const tail: number[] = [];
  if (gap === -1) {
    if (!parseGroups(text, head) || head.length !== 8) return undefined;
    return head;
  }
  const before = text.slice(0, gap);
  const after = text.slice(gap + 2);
  // A dotted IPv4 part is only allowed at the very end.
  if (before.includes('.') || !parseGroups(before, head) || !parseGroups(after, tail)) return undefined;
  if (head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

const isIpv4Mapped = (p: readonly number[]): boolean =>
  p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0xffff;

const embeddedIpv4 = (p: readonly number[]): number => (p[6]! * 65536 + p[7]!) >>> 0;

/** RFC 5952: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as `::`; IPv4-mapped in mixed notation. */
export function formatIpv6(p: readonly number[]): string {
  if (isIpv4Mapped(p)) return `::ffff:${formatIpv4(embeddedIpv4(p))}`;
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (p[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && p[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => p.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function matchesPrefix(p: readonly number[], base: readonly number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((p[i]! & mask) !== base[i]) return false;
  }
  return true;
}

const v6 = (text: string, bits: number): [number[], number] => [parseIpv6(text)!, bits];

/**
 * Loopback, unspecified, unique-local, link-local, site-local, multicast,
 * discard-only and local-use NAT64. 2001:db8::/32 (RFC 3849, documentation) is
 * deliberately absent, like the IPv4 documentation ranges.
 */
const PRIVATE_IPV6: readonly [number[], number][] = [
  v6('::', 96), // unspecified, loopback and the deprecated IPv4-compatible block
  v6('64:ff9b:1::', 48), // local-use NAT64, RFC 8215
  v6('100::', 64), // discard-only, RFC 6666
  v6('fc00::', 7), // unique local
  v6('fe80::', 10), // link-local
  v6('fec0::', 10), // site-local (deprecated)
  v6('ff00::', 8), // multicast
];
const MAPPED = v6('::ffff:0:0', 96);
const NAT64 = v6('64:ff9b::', 96);

/** Whether the whole network `parts/prefix` lies inside a private/reserved range; IPv4-mapped and NAT64 addresses follow their IPv4 address. */
export function isPrivateIpv6(p: readonly number[], prefix = 128): boolean {
  for (const [base, bits] of [MAPPED, NAT64]) {
    if (prefix >= bits && matchesPrefix(p, base, bits)) return isPrivateIpv4(embeddedIpv4(p), prefix - 96);
  }
  return PRIVATE_IPV6.some(([base, bits]) => prefix >= bits && matchesPrefix(p, base, bits));
}

const LEADING_ZERO = /(?:^|\.)0\d/;

export function normaliseIpv4(text: string): ExtractedObservable | undefined {
  const value = parseIpv4(text);
  if (value === undefined) return undefined;
  // Already canonical unless an octet is zero-padded: skip re-formatting.
  return { type: 'ipv4', value: LEADING_ZERO.test(text) ? formatIpv4(value) : text, isPrivate: isPrivateIpv4(value) };
}

export function normaliseIpv6(text: string): ExtractedObservable | undefined {
  const parts = parseIpv6(text);
  if (parts === undefined) return undefined;
  return { type: 'ipv6', value: formatIpv6(parts), isPrivate: isPrivateIpv6(parts) };
}

/** `203.0.113.77/24` → `203.0.113.0/24`; `2001:DB8:0:1::5/48` → `2001:db8::/48`. */
export function normaliseCidr(text: string): ExtractedObservable | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefix = Number(lengthText);
  const address = text.slice(0, slash);
  const ipv4 = parseIpv4(address);
  if (ipv4 !== undefined) {
    if (prefix > 32) return undefined;
    const network = (ipv4 & ipv4Mask(prefix)) >>> 0;
    return { type: 'cidr', value: `${formatIpv4(network)}/${prefix}`, isPrivate: isPrivateIpv4(network, prefix) };
  }
  const parts = parseIpv6(address);
  if (parts === undefined || prefix > 128) return undefined;
  const network = parts.map((group, i) => {
    const bits = prefix - i * 16;
    return bits >= 16 ? group : bits <= 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return { type: 'cidr', value: `${formatIpv6(network)}/${prefix}`, isPrivate: isPrivateIpv6(network, prefix) };
}
