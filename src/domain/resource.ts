import { domainToASCII } from 'node:url';
import { parseCidr } from './ip-range-index.js';
import type { ResourceInput } from './organisation.schema.js';

/**
 * Canonical form of a resource an organisation owns, or an error message:
 * `203.0.113.77/24` → `203.0.113.0/24`, `as 64500` → `AS64500`,
 * `例え.JP` → `xn--r8jz45g.jp`.
 */
export function normaliseResource(r: ResourceInput): { ok: true; value: ResourceInput } | { ok: false; error: string } {
  const raw = r.value.trim();
  switch (r.kind) {
    case 'ip-range': {
      const withPrefix = raw.includes('/') ? raw : `${raw}/${raw.includes(':') ? 128 : 32}`;
      const cidr = parseCidr(withPrefix);
      return cidr
        ? { ok: true, value: { kind: r.kind, value: `${cidr.network}/${cidr.prefixLength}` } }
        : { ok: false, error: `"${raw}" is not an IP range in CIDR form (e.g. 203.0.113.0/24 or 2001:db8::/32)` };
    }
    case 'asn': {
      const m = /^(?:as\s*)?(\d{1,10})$/i.exec(raw);
      const n = m ? Number(m[1]) : NaN;
      return Number.isInteger(n) && n > 0 && n <= 4294967295
        ? { ok: true, value: { kind: r.kind, value: `AS${n}` } }
        : { ok: false, error: `"${raw}" is not an AS number (e.g. AS64500)` };
    }
    case 'domain': {
      const ascii = domainToASCII(raw.replace(/\.$/, '').toLowerCase());
      return ascii && /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(ascii)
        ? { ok: true, value: { kind: r.kind, value: ascii } }
        : { ok: false, error: `"${raw}" is not a domain name (e.g. example.jp)` };
    }
  }
}

/** `a.b.example.jp` → `['a.b.example.jp', 'b.example.jp', 'example.jp', 'jp']`, most specific first. */
export const domainAndParents = (domain: string): string[] =>
  domain.split('.').map((_, i, parts) => parts.slice(i).join('.'));
