/**
 * One value → its canonical form and private flag, per type. Extraction and the
 * "add an observable" form both go through here, so a value typed by hand and
 * the same value found in a mail are one observable.
 */
import { domainToASCII } from 'node:url';
import { parse as parseHostname } from 'tldts';
import { normaliseCidr, normaliseIpv4, normaliseIpv6, parseIpv4 } from './address.js';
import {
  MAX_DOMAIN_LENGTH,
  MAX_LOCAL_PART_LENGTH,
  MAX_URL_LENGTH,
  PRIVATE_DOMAIN_SUFFIXES,
  RESERVED_TLDS,
  type ExtractedObservable,
  type ObservableType,
} from './observable.js';
import { refang } from './refang.js';

const ASCII_HOST = /^[A-Za-z0-9._-]+$/;
/**
 * Labels of 1–63 letters, digits, `-` (not at either end) and `_` (DNS names
 * such as `_dmarc.example.com`), at least two, and a TLD of letters or punycode.
 */
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const TLDTS_OPTIONS = { extractHostname: false, detectIp: false, allowPrivateDomains: false } as const;

/**
 * `.example` and `.test` (RFC 2606) are not private: like the documentation
 * address ranges, they stand in for public names in our examples, drills and
 * tests, and must take the same path as a real external name.
 */
export function isPrivateDomain(ascii: string): boolean {
  if (ascii === 'localhost') return true;
  for (const suffix of DOTTED_PRIVATE_SUFFIXES) if (ascii.endsWith(suffix)) return true;
  return false;
}
const DOTTED_PRIVATE_SUFFIXES = PRIVATE_DOMAIN_SUFFIXES.map((suffix) => `.${suffix}`);

/**
 * A host name with a registrable label under a known public suffix (or under
 * one of `RESERVED_TLDS`), as lower-case ASCII: IDN labels become punycode, so
 * `例え.jp` and `xn--r8jz45g.jp` are the same observable. One trailing root dot
 * is dropped.
 */
export function normaliseDomain(raw: string): ExtractedObservable | undefined {
  const domain = sharedDomainObservable(raw);
  return domain === undefined ? undefined : { ...domain };
}

/**
 * A bounded memo for a pure function of a string: extraction meets the same
 * host or URL many times (headers, body, logs), and the suffix lookup and URL
 * parser are the costly parts. Results are frozen and shared; extraction
 * copies what it returns.
 */
function memoise<T extends object>(size: number, maxKeyLength: number, compute: (raw: string) => T | undefined): (raw: string) => Readonly<T> | undefined {
  const cache = new Map<string, Readonly<T> | null>();
  return (raw) => {
    if (raw.length > maxKeyLength) return compute(raw);
    let hit = cache.get(raw);
    if (hit === undefined) {
      if (cache.size >= size) cache.clear();
      const computed = compute(raw);
      hit = computed === undefined ? null : Object.freeze(computed);
      cache.set(raw, hit);
    }
    return hit ?? undefined;
  };
}

/** `normaliseDomain` without the copy: the result is shared and frozen. */
export const sharedDomainObservable = memoise(16384, MAX_DOMAIN_LENGTH * 4, (raw) => checkDomain(raw));

function checkDomain(raw: string): ExtractedObservable | undefined {
  let host = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (host.length === 0 || host.length > MAX_DOMAIN_LENGTH * 4) return undefined;
  if (ASCII_HOST.test(host)) {
    host = host.toLowerCase();
  } else {
    // UTS #46 mapping: full-width forms, case, IDN → punycode; '' when invalid.
    host = domainToASCII(host);
    if (host === '' || !ASCII_HOST.test(host)) return undefined;
  }
  if (host === 'localhost') return { type: 'domain', value: host, isPrivate: true };
  if (host.length > MAX_DOMAIN_LENGTH || !HOST_NAME.test(host)) return undefined;
  const tld = host.slice(host.lastIndexOf('.') + 1);
  if (!RESERVED_TLDS.has(tld)) {
    const parsed = parseHostname(host, TLDTS_OPTIONS);
    if (parsed.isIcann !== true || parsed.domain === null) return undefined;
  }
  return { type: 'domain', value: host, isPrivate: isPrivateDomain(host) };
}

/** The observable a URL's host stands for: an address or a domain; undefined for a name that is neither. */
export function hostObservable(hostname: string): Readonly<ExtractedObservable> | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return normaliseIpv6(hostname.slice(1, -1));
  if (parseIpv4(hostname) !== undefined) return normaliseIpv4(hostname);
  return sharedDomainObservable(hostname);
}

const URL_SCHEME = /^(?:https?|ftp):\/\//i;

/**
 * WHATWG URL serialisation: lower-case scheme and host, IDN host as punycode,
 * default port dropped, `/` for an empty path. Path and query are kept as
 * written (case, trailing slash); the fragment is dropped, since it never
 * reaches the server. Only http, https and ftp.
 */
export function normaliseUrl(raw: string): ExtractedObservable | undefined {
  const parsed = sharedUrlAndHost(raw);
  return parsed === undefined ? undefined : { ...parsed.url };
}

interface UrlAndHost {
  url: Readonly<ExtractedObservable>;
  host: Readonly<ExtractedObservable> | undefined;
}

/** `normaliseUrl`, plus the observable of the URL's host (extraction reports both); shared and frozen. */
export const sharedUrlAndHost = memoise(2048, 512, (raw): UrlAndHost | undefined => {
  if (raw.length > MAX_URL_LENGTH || !URL_SCHEME.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.hostname === '') return undefined;
  url.hash = '';
  const host = hostObservable(url.hostname);
  // A single-label host (`http://intranet/`) can only be resolved inside a site.
  const isPrivate = host?.isPrivate ?? !url.hostname.includes('.');
  return { url: Object.freeze<ExtractedObservable>({ type: 'url', value: url.href, isPrivate }), host: host === undefined ? undefined : Object.freeze(host) };
});

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * `local@domain`, dot-atom local part. The whole address is lower-cased:
 * RFC 5321 lets a server treat the local part case-sensitively, but none that
 * matters does, and one sender written two ways must be one observable.
 */
export function normaliseEmail(raw: string): ExtractedObservable | undefined {
  const at = raw.lastIndexOf('@');
  if (at < 1 || at > MAX_LOCAL_PART_LENGTH) return undefined;
  const local = raw.slice(0, at);
  if (!LOCAL_PART.test(local)) return undefined;
  const domain = sharedDomainObservable(raw.slice(at + 1));
  if (domain === undefined) return undefined;
  return { type: 'email', value: `${local.toLowerCase()}@${domain.value}`, isPrivate: domain.isPrivate };
}

const HASH_LENGTH = { md5: 32, sha1: 40, sha256: 64 } as const;
const HEX = /^[0-9a-fA-F]+$/;

export function normaliseHash(type: keyof typeof HASH_LENGTH, raw: string): ExtractedObservable | undefined {
  if (raw.length !== HASH_LENGTH[type] || !HEX.test(raw)) return undefined;
  return { type, value: raw.toLowerCase(), isPrivate: false };
}

/** The hash type a hex string of this length would be. */
export const hashTypeForLength = (length: number): keyof typeof HASH_LENGTH | undefined =>
  length === 32 ? 'md5' : length === 40 ? 'sha1' : length === 64 ? 'sha256' : undefined;

const CVE = /^CVE[-\u2010-\u2014\u2212](\d{4})[-\u2010-\u2014\u2212](\d{4,7})$/i;

/** `CVE-YYYY-NNNN…`, upper-case, ASCII hyphens; a sequence longer than four digits has no leading zero. */
export function normaliseCve(raw: string): ExtractedObservable | undefined {
  const match = CVE.exec(raw);
  if (!match) return undefined;
  const [, year = '', sequence = ''] = match;
  if (Number(year) < 1999 || (sequence.length > 4 && sequence.startsWith('0'))) return undefined;
  return { type: 'cve', value: `CVE-${year}-${sequence}`, isPrivate: false };
}

/**
 * Reserved and private-use AS numbers (RFC 6996, RFC 7300, RFC 7607, IANA).
 * The documentation numbers 64496–64511 and 65536–65551 (RFC 5398) are not
 * private, like the documentation address ranges.
 */
export function isPrivateAsn(asn: number): boolean {
  return (
    asn === 0 ||
    asn === 23456 || // AS_TRANS
    (asn >= 64512 && asn <= 65535) ||
    (asn >= 65552 && asn <= 131071) ||
    asn >= 4200000000
  );
}

const ASN = /^(?:ASN?)?[\s:-]*(\d{1,10})(?:\.(\d{1,5}))?$/i;

/** `AS64500`, `ASN 64500`, `as64500`, `64500`, asdot `AS1.10` → `AS64500` / `AS65546`. */
export function normaliseAsn(raw: string): ExtractedObservable | undefined {
  const match = ASN.exec(raw);
  if (!match) return undefined;
  const [, high = '', low] = match;
  const asn = low === undefined ? Number(high) : Number(high) * 65536 + Number(low);
  if (low !== undefined && (Number(high) > 65535 || Number(low) > 65535)) return undefined;
  if (!Number.isSafeInteger(asn) || asn > 4294967295) return undefined;
  return { type: 'asn', value: `AS${asn}`, isPrivate: isPrivateAsn(asn) };
}

/** Strip what people wrap a pasted value in: quotes, angle brackets, and the brackets of `[2001:db8::1]`. */
function unwrap(text: string): string {
  const value = text.trim();
  const first = value[0];
  const last = value[value.length - 1];
  if (value.length >= 2 && ((first === '<' && last === '>') || (first === '"' && last === '"') || (first === "'" && last === "'") || (first === '[' && last === ']'))) {
    return value.slice(1, -1).trim();
  }
  return value;
}

/** Normalise one value a user typed for a given type; undefined if it is not a valid value of that type. Accepts defanged input. */
export function normaliseObservable(type: ObservableType, raw: string): ExtractedObservable | undefined {
  try {
    const value = unwrap(refang(raw));
    switch (type) {
      case 'ipv4':
        return normaliseIpv4(value);
      case 'ipv6':
        return normaliseIpv6(value);
      case 'cidr':
        return normaliseCidr(value);
      case 'domain':
        return normaliseDomain(value);
      case 'url':
        return normaliseUrl(value);
      case 'email':
        return normaliseEmail(value.replace(/^mailto:/i, ''));
      case 'md5':
      case 'sha1':
      case 'sha256':
        return normaliseHash(type, value);
      case 'cve':
        return normaliseCve(value);
      case 'asn':
        return normaliseAsn(value);
    }
  } catch {
    return undefined;
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const HOST_AND_PORT = /^([^:/]+):\d{1,5}$/;

/**
 * Guess what one search-box string is and normalise it; undefined if none.
 * Accepts defanged input. A bare number is not guessed to be an AS number,
 * and a scheme-less `host/path` is taken as an http URL.
 */
export function detectObservable(raw: string): ExtractedObservable | undefined {
  try {
    const value = unwrap(refang(raw));
    if (value === '' || value.length > MAX_URL_LENGTH) return undefined;
    if (/\s/.test(value)) return /^AS/i.test(value) ? normaliseAsn(value) : undefined; // `ASN 64500`
    if (SCHEME.test(value)) return normaliseUrl(value);
    if (value.includes('@')) return normaliseEmail(value.replace(/^mailto:/i, ''));
    const slash = value.indexOf('/');
    if (slash !== -1) {
      const cidr = normaliseCidr(value);
      if (cidr !== undefined) return cidr;
      const host = value.slice(0, slash);
      const hostPart = HOST_AND_PORT.exec(host)?.[1] ?? host;
      return hostObservable(hostPart) === undefined ? undefined : normaliseUrl(`http://${value}`);
    }
    const hashType = hashTypeForLength(value.length);
    if (hashType !== undefined && HEX.test(value)) return normaliseHash(hashType, value);
    const direct =
      normaliseIpv4(value) ??
      normaliseIpv6(value) ??
      normaliseCve(value) ??
      (/^AS/i.test(value) ? normaliseAsn(value) : undefined) ??
      normaliseDomain(value);
    if (direct !== undefined) return direct;
    const hostPort = HOST_AND_PORT.exec(value);
    return hostPort?.[1] === undefined ? undefined : (normaliseIpv4(hostPort[1]) ?? normaliseDomain(hostPort[1]));
  } catch {
    return undefined;
  }
}
