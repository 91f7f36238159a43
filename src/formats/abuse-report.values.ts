/**
 * The values of abuse reports: the field table and its look-ups, addresses,
 * ports and dates, each read with its problems said.
 */
import { normaliseIpv4, normaliseIpv6 } from '../domain/observables/address.js';

/** Field name → value(s), as in AbuseReport['fields']. */
export type Fields = Record<string, string | string[]>;

export function addField(fields: Fields, name: string, value: string | string[]): void {
  if (!Object.hasOwn(fields, name)) {
    // defineProperty: a field named __proto__ must stay a field, not a prototype.
    Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  fields[name] = [...asArray(fields[name]!), ...asArray(value)];
}

export const asArray = (v: string | string[]): string[] => (typeof v === 'string' ? [v] : v);
export const first = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : v?.[0]);

/** The first value of a field; names compare as written, then without case (RFC 5322 names have none). */
export function field(fields: Fields, name: string): string | null {
  if (Object.hasOwn(fields, name)) return first(fields[name]) ?? null;
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === lower);
  return key === undefined ? null : (first(fields[key]) ?? null);
}
export const text = (b: Buffer): string => b.toString('utf8');
export const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
export const asIp = (s: string): string | undefined => {
  const bare = s.trim().replace(/^\[(.*)\]$/, '$1');
  return normaliseIpv4(bare)?.value ?? normaliseIpv6(bare)?.value;
};

export function ipOrProblem(value: string | null, name: string, problems: string[]): string | null {
  if (value === null) return null;
  const ip = asIp(value);
  if (ip === undefined) problems.push(`${name} is not an IP address: ${quote(value)}`);
  return ip ?? null;
}

export function portOrProblem(value: string | null, name: string, problems: string[]): number | null {
  if (value === null || value.trim() === '') return null;
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (port >= 0 && port <= 65535) return port;
  problems.push(`${name} is not a port number: ${quote(value)}`);
  return null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = { ut: 0, utc: 0, gmt: 0, z: 0, est: -5, edt: -4, cst: -6, cdt: -5, mst: -7, mdt: -6, pst: -8, pdt: -7 };

/**
 * RFC 5322 dates (`Tue, 19 Jan 2016 14:32:40 -0500 (EST)`) and ISO 8601, as UTC.
 * Read without the host's time zone: a date without a zone is read as UTC and
 * said so in problems.
 */
export function isoDate(value: string | null, name: string, problems: string[]): string | null {
  if (value === null || value.trim() === '') return null;
  if (value.length > 200) {
    problems.push(`${name} is not a date that can be read: ${quote(value)}`);
    return null;
  }
  const v = value.replace(/\([^)]*\)/g, ' ').trim();
  let utc: number | undefined;
  let hasZone = true;
  const rfc = /^(?:[a-z]{3},?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,3})?$/i.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
  if (rfc) {
    const [, d, mon, y, h, min, sec, zone] = rfc;
    const month = MONTHS.indexOf(mon!.toLowerCase());
    const year = y!.length === 2 ? Number(y) + (Number(y) < 50 ? 2000 : 1900) : Number(y);
    const offset = zone === undefined ? 0 : /^[+-]/.test(zone) ? offsetMinutes(zone) : (ZONES[zone.toLowerCase()] ?? NaN) * 60;
    hasZone = zone !== undefined;
    if (month !== -1) utc = Date.UTC(year, month, Number(d), Number(h), Number(min), Number(sec ?? 0)) - offset * 60_000;
  } else if (iso) {
    const [, y, mo, d, h, min, sec, zone] = iso;
    hasZone = zone !== undefined || h === undefined;
    const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 0 : offsetMinutes(zone);
    utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(min ?? 0), Number(sec ?? 0)) - offset * 60_000;
  }
  if (utc === undefined || Number.isNaN(utc)) {
    problems.push(`${name} is not a date that can be read: ${quote(value)}`);
    return null;
  }
  if (!hasZone) problems.push(`${name} has no time zone and is read as UTC: ${quote(value)}`);
  return new Date(utc).toISOString();
}

function offsetMinutes(zone: string): number {
  const digits = zone.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return digits.startsWith('-') ? -minutes : minutes;
}
