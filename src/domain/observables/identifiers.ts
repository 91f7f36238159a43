/**
 * CVE ids and AS numbers: they start with a literal, so one native
 * regular-expression pass each over the whole text finds them faster than
 * the token scan would.
 */
import { Found } from './found.js';
import { normaliseAsn, normaliseCve } from './normalise.js';
import { CLASS } from './scan.js';

const CVE_ANYWHERE = /CVE[-\u2010-\u2014\u2212]\d{4}[-\u2010-\u2014\u2212]\d{4,7}(?!\d)/gi;
/** `AS64500`, `as64500`, `ASN64500`, `ASN: 64500`; with a space only upper-case `AS 64500` / `ASN 64500` (prose has "such as 300"). */
const ASN_ANYWHERE = /AS(?:N)?(?:[ :]{1,2}|-)?\d{1,10}(?![0-9A-Za-z_])/gi;

const isWordChar = (c: number): boolean => c < 128 && (CLASS[c] === 1 || CLASS[c] === 2 || c === 95);

/** CVE ids and AS numbers anywhere in the text (inside URLs too: they are unambiguous), in order. */
export function findIdentifiers(text: string): Found {
  const cves = new Found();
  for (const match of text.matchAll(CVE_ANYWHERE)) {
    if (isWordChar(text.charCodeAt(match.index - 1))) continue;
    const cve = normaliseCve(match[0]);
    if (cve) cves.push(match.index, cve);
  }
  const asns = new Found();
  for (const match of text.matchAll(ASN_ANYWHERE)) {
    const raw = match[0];
    if (isWordChar(text.charCodeAt(match.index - 1))) continue;
    if (raw.includes(' ') && !/^ASN?[ :]/.test(raw)) continue;
    const asn = normaliseAsn(raw);
    if (asn) asns.push(match.index, asn);
  }
  if (cves.length === 0) return asns;
  if (asns.length === 0) return cves;
  const merged = new Found();
  let j = 0;
  for (let i = 0; i < cves.length; i++) {
    while (j < asns.length && asns.positions[j]! < cves.positions[i]!) merged.push(asns.positions[j]!, asns.observables[j++]!);
    merged.push(cves.positions[i]!, cves.observables[i]!);
  }
  for (; j < asns.length; j++) merged.push(asns.positions[j]!, asns.observables[j]!);
  return merged;
}
