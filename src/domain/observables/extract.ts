/**
 * Observables in free text: report mail bodies, headers, logs, chat, in
 * English and Japanese, defanged or not.
 *
 * 1. Refang the whole text (full-width ASCII folded, `[.]`, `hxxp` …),
 *    remembering where markers were.
 * 2. A native regular-expression search for trigger points (`TRIGGER`: an
 *    inner dot before a letter, four dotted numbers, `@`, `://`, an IPv6-ish
 *    colon run, a long hex run). Each is widened to its whitespace-delimited
 *    token with one table lookup per character, noting which kinds of atom
 *    the token can hold. Ordinary prose never reaches step 3; that is where
 *    the speed (≥ 50 MB/s) comes from.
 * 3. In a token: URLs first (and their host), then e-mail addresses, then
 *    domain names with a label in kana, kanji, Hangul, Thai … (`IDN`); what
 *    they did not take is searched for IPv6, hashes, domains (ASCII, and
 *    accented Latin, Greek and Cyrillic as in `münchen.de`) and IPv4 (`ATOMS`).
 * 4. CVE ids and AS numbers come from their own pass (`identifiers.ts`); the
 *    two position-ordered streams are merged and made unique by (type, value).
 *
 * Safety: every regular expression is linear (no nested quantifiers over
 * overlapping classes; bounded repetition with a lookbehind so a failed match
 * is not retried inside the same run), URLs longer than `MAX_URL_LENGTH` are
 * skipped, and an exception on one token only loses that token.
 */
import { getPublicSuffix } from 'tldts';
import { normaliseCidr, normaliseIpv4, normaliseIpv6 } from './address.js';
import { Found } from './found.js';
import { findIdentifiers } from './identifiers.js';
import { hashTypeForLength, normaliseEmail, normaliseHash, sharedDomainObservable, sharedUrlAndHost } from './normalise.js';
import { FILE_EXTENSION_TLDS, MAX_DOMAIN_LENGTH, MAX_LOCAL_PART_LENGTH, MAX_URL_LENGTH, type ExtractedObservable, type ObservableType } from './observable.js';
import { refangWithMarks } from './refang.js';
import { ALPHABETIC, ALPHABETIC_CLASS, CLASS, findUrlEnd, isNonAsciiDelimiter, LOCAL_PART_CHAR, TOKEN_CLASS } from './scan.js';
import { hasMark, mergeRanges, overlaps, type Range } from './ranges.js';

/**
 * Address-like atoms, leftmost first; at one position the earlier alternative wins.
 *  1. IPv6, optionally `/prefix`: a run of hex digits, colons and dots with
 *     a `::` or seven separators (so `10:00:01` is not tried); validated by
 *     `parseIpv6`.
 *  2. A hex run of 32–64 digits not touching any other letter or digit; only
 *     32, 40 and 64 are kept. Before domains: `<md5>.exe` is a hash.
 *  3. A domain in ASCII and alphabetic letters (`ALPHABETIC_CLASS`: accented
 *     Latin, Greek, Cyrillic): labels of at most 63, a TLD starting with a
 *     letter (so `2026.11.25` and `10.0.19045` never match), not preceded by
 *     `/`, `\`, `@` or `%` (path and file name parts, e-mail already taken).
 *     An alphabetic letter continues a label, so the match never starts or
 *     ends inside a word (`münchen.de`, not `nchen.de`). Before IPv4:
 *     `1.2.3.4.nip.example` is a name.
 *  4. IPv4, optionally `/prefix`: four dotted groups, not part of a longer
 *     dotted run (`1.2.3.4.5`, `v1.2.3.4` are versions).
 */
const W = ALPHABETIC_CLASS;
const ATOM_PARTS = [
  String.raw`(?<![0-9A-Za-z_:.])(?=[0-9A-Fa-f:.]{0,43}::|(?:[0-9A-Fa-f]{1,4}:){6}[0-9A-Fa-f]{1,4}[:.])([0-9A-Fa-f:.]{2,45}(?:\/\d{1,3})?)(?![0-9A-Za-z_:\/]|\.[0-9A-Za-z])`,
  String.raw`(?<![0-9A-Za-z])([0-9A-Fa-f]{32,64})(?![0-9A-Za-z])`,
  String.raw`(?<![0-9A-Za-z_.\-\/\\@%${W}])((?:[A-Za-z0-9_${W}](?:[A-Za-z0-9_${W}-]{0,61}[A-Za-z0-9_${W}])?\.){1,126}[A-Za-z${W}](?:[A-Za-z0-9${W}-]{0,61}[A-Za-z0-9${W}])?)(?![A-Za-z0-9_${W}-]|\.[A-Za-z0-9${W}])`,
  String.raw`(?<![0-9A-Za-z_.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:\/\d{1,2})?)(?![0-9A-Za-z_]|\.\d|\/\d)`,
];
/** Token flags from the first pass: which alternatives can match at all. */
const HAS_COLON = 1;
const HAS_HEX_RUN = 2;
const HAS_NON_ASCII = 4;
const HAS_AT = 8;
const HAS_ALPHABETIC = 16;
/** The bit of an `ATOMS` index for HAS_ALPHABETIC (the other two are HAS_COLON and HAS_HEX_RUN). */
const ALPHABETIC_ATOMS = 4;
/**
 * The domain alternative for a token without alphabetic letters: the same
 * with ASCII classes only (the common case; smaller classes are faster).
 */
const ASCII_DOMAIN = ATOM_PARTS[2]!.replaceAll(W, '');
/**
 * One expression per combination of HAS_COLON, HAS_HEX_RUN and
 * HAS_ALPHABETIC (index bits 1, 2, `ALPHABETIC_ATOMS`): a token without a colon skips the IPv6
 * alternative, one without 32 hex digits in a row the hash alternative, one
 * without alphabetic letters uses `ASCII_DOMAIN`. A skipped alternative
 * becomes `(?!)()`, so the group numbers stay the same.
 */
const ATOMS = [0, 1, 2, 3, 4, 5, 6, 7].map(
  (index) =>
    new RegExp(
      ATOM_PARTS.map((part, i) =>
        (i === 0 && !(index & HAS_COLON)) || (i === 1 && !(index & HAS_HEX_RUN)) ? '(?!)()' : i === 2 && !(index & ALPHABETIC_ATOMS) ? ASCII_DOMAIN : part,
      ).join('|'),
      'g',
    ),
);
const atomsFor = (flags: number): RegExp => ATOMS[(flags & (HAS_COLON | HAS_HEX_RUN)) | (flags & HAS_ALPHABETIC ? ALPHABETIC_ATOMS : 0)]!;

/**
 * A domain with a label in a script other than the alphabetic ones (`例え.jp`,
 * `한국.kr`). Japanese, Chinese and Thai are written without spaces, so where
 * such a name starts is only known when something delimits it: the whole run
 * of letters around the dots must be the name (`「例え.jp」`, `例え.jp を`),
 * and a label mixing alphabetic (ASCII, accented Latin, Greek, Cyrillic) and
 * other letters (`ドメインevil.example` run together) is not taken for one.
 * Names in alphabetic letters only, also those glued to Japanese
 * (`攻撃者はmünchen.deへ`), are left to `ATOM`.
 */
const IDN = /(?<![\p{L}\p{N}\p{M}_.\-@/\\%])(?:[\p{L}\p{N}\p{M}_-]{1,63}\.){1,126}[\p{L}\p{N}\p{M}-]{2,63}(?![\p{L}\p{N}\p{M}_-]|\.[\p{L}\p{N}])/gu;
/** A non-ASCII character outside `ALPHABETIC_CLASS`. */
const HAS_OTHER = new RegExp(String.raw`[^\0-\x7F${W}]`);
const MIXED_LABEL = new RegExp(String.raw`(?:^|\.)(?:[A-Za-z0-9_${W}-]+[^A-Za-z0-9_.${W}-]|[^A-Za-z0-9_.${W}-]+[A-Za-z0-9_${W}-])`);

interface Context {
  text: string;
  marks: readonly number[];
  out: Found;
}

/** `scheme://…` in a token: URLs (and their host) first, so nothing inside a URL is read again. */
function takeUrls(token: string, base: number, found: Found, taken: Range[]): void {
  let index = token.indexOf('://');
  while (index !== -1) {
    let start = index;
    while (start > 0 && index - start < 8 && (token.charCodeAt(start - 1) | 32) >= 97 && (token.charCodeAt(start - 1) | 32) <= 122) start--;
    const scheme = token.slice(start, index).toLowerCase();
    const known = /(?:https?|ftp)$/.exec(scheme);
    if (known === null) {
      index = token.indexOf('://', index + 3);
      continue;
    }
    start = index - known[0].length;
    const end = findUrlEnd(token, start, index + 3);
    taken.push([start, end]);
    if (end - start <= MAX_URL_LENGTH) {
      const parsed = sharedUrlAndHost(token.slice(start, end));
      if (parsed) {
        found.push(base + start, parsed.url);
        if (parsed.host) found.push(base + index + 3, parsed.host);
      }
    }
    index = token.indexOf('://', Math.max(end, index + 3));
  }
}

/** `local@domain` around each `@` not inside a URL; the domain is not added on its own. */
function takeEmails(token: string, base: number, found: Found, taken: Range[]): void {
  const emails: Range[] = [];
  let at = token.indexOf('@');
  while (at !== -1) {
    if (!overlaps(taken, at, at + 1)) {
      let start = at;
      while (start > 0 && at - start <= MAX_LOCAL_PART_LENGTH && LOCAL_PART_CHAR[token.charCodeAt(start - 1)] === 1) start--;
      while (start < at && token.charCodeAt(start) === 46) start++;
      let end = at + 1;
      let labelStart = end;
      let labelHasOtherLetter = false;
      while (end < token.length && end - at <= MAX_DOMAIN_LENGTH + 1) {
        const c = token.charCodeAt(end);
        if (c < 128) {
          if (CLASS[c] !== 1 && CLASS[c] !== 2 && c !== 45 && c !== 46) break;
          if (c === 46) {
            labelStart = end + 1;
            labelHasOtherLetter = false;
          }
        } else if (ALPHABETIC[c] !== 1) {
          // Japanese right after the address: stop where an alphabetic label has begun after a dot.
          if (isNonAsciiDelimiter(c) || (labelStart > at + 1 && end > labelStart && !labelHasOtherLetter)) break;
          labelHasOtherLetter = true;
        }
        end++;
      }
      while (end > at + 1 && (token.charCodeAt(end - 1) === 46 || token.charCodeAt(end - 1) === 45)) end--;
      // Not the tail of a longer local part: `jürgen@…` is not `rgen@…` (Japanese before it is a boundary).
      const before = start === 0 ? 0 : token.charCodeAt(start - 1);
      const isBounded = start === 0 || (before < 128 ? LOCAL_PART_CHAR[before] !== 1 : ALPHABETIC[before] !== 1);
      const email = isBounded && start < at && !overlaps(taken, start, end) ? normaliseEmail(token.slice(start, end)) : undefined;
      if (email) {
        found.push(base + start, email);
        emails.push([start, end]);
      }
    }
    at = token.indexOf('@', at + 1);
  }
  mergeRanges(taken, emails);
}

/**
 * A non-ASCII letter outside `ALPHABETIC_CLASS` next to a dot: only then is
 * the IDN expression worth running (a name it takes has a label of such
 * letters only). Native `indexOf` for the dots, a table lookup beside each.
 */
function hasIdnHint(token: string): boolean {
  for (let dot = token.indexOf('.'); dot !== -1; dot = token.indexOf('.', dot + 1)) {
    if ((dot > 0 && TOKEN_CLASS[token.charCodeAt(dot - 1)] === 7) || TOKEN_CLASS[token.charCodeAt(dot + 1)] === 7) return true;
  }
  return false;
}

function takeIdns(token: string, base: number, found: Found, taken: Range[]): void {
  const names: Range[] = [];
  for (const match of token.matchAll(IDN)) {
    const name = match[0];
    if (!HAS_OTHER.test(name) || MIXED_LABEL.test(name) || overlaps(taken, match.index, match.index + name.length)) continue;
    const domain = sharedDomainObservable(name);
    if (domain) {
      found.push(base + match.index, domain);
      names.push([match.index, match.index + name.length]);
    }
  }
  mergeRanges(taken, names);
}

function atomObservable(match: RegExpExecArray, start: number, ctx: Context): Readonly<ExtractedObservable> | undefined {
  const [, ipv6, hex, domain, ipv4] = match;
  if (ipv6 !== undefined) {
    const value = ipv6.replace(/\.+$/, '');
    if (!/\d/.test(value)) return undefined; // `::`, `a::b` in prose and code
    return value.includes('/') ? normaliseCidr(value) : normaliseIpv6(value);
  }
  if (ipv4 !== undefined) return ipv4.includes('/') ? normaliseCidr(ipv4) : normaliseIpv4(ipv4);
  if (hex !== undefined) {
    const type = hashTypeForLength(hex.length);
    return type === undefined ? undefined : normaliseHash(type, hex);
  }
  if (domain === undefined) return undefined;
  const observable = sharedDomainObservable(domain);
  if (observable === undefined) return domainFallback(domain);
  const tld = observable.value.slice(observable.value.lastIndexOf('.') + 1);
  if (
    FILE_EXTENSION_TLDS.has(tld) &&
    !observable.value.startsWith('www.') &&
    !hasMark(ctx.marks, start, start + domain.length) &&
    getPublicSuffix(observable.value, { extractHostname: false }) === tld
  ) {
    return undefined; // `readme.md`, `setup.py`, `invoice.zip`: a file unless written as a host
  }
  return observable;
}

const DOTTED_QUAD_PREFIX = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?=\.)/;

/**
 * A dotted run that is not a name as a whole: prose without a space after the
 * full stop (`evil.example.The`, `203.0.113.5.The`). Take the longest valid
 * name it starts with, or the address it starts with.
 */
function domainFallback(candidate: string): Readonly<ExtractedObservable> | undefined {
  const quad = DOTTED_QUAD_PREFIX.exec(candidate);
  if (quad) return normaliseIpv4(quad[0]);
  let name = candidate;
  for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.')) {
    name = name.slice(0, dot);
    if (!name.includes('.')) return undefined;
    const observable = sharedDomainObservable(name);
    if (observable) return FILE_EXTENSION_TLDS.has(observable.value.slice(observable.value.lastIndexOf('.') + 1)) ? undefined : observable;
  }
  return undefined;
}

function takeAtoms(token: string, base: number, from: number, to: number, flags: number, found: Found, ctx: Context): void {
  const segment = from === 0 && to === token.length ? token : token.slice(from, to);
  const atom = atomsFor(flags);
  atom.lastIndex = 0;
  let match = atom.exec(segment);
  while (match !== null) {
    const start = base + from + match.index;
    const observable = atomObservable(match, start, ctx);
    if (observable) found.push(start, observable);
    match = atom.exec(segment);
  }
}

/**
 * Reused by every token (extraction is synchronous): the ranges URLs, e-mail
 * addresses and IDNs took, sorted and disjoint.
 */
const TAKEN: Range[] = [];

function processToken(ctx: Context, start: number, end: number, flags: number): void {
  const token = ctx.text.slice(start, end);
  const found = ctx.out;
  const first = found.length;
  const taken = TAKEN;
  if (taken.length !== 0) taken.length = 0;
  if (flags & HAS_COLON && token.includes('://')) takeUrls(token, start, found, taken);
  if (flags & HAS_AT) takeEmails(token, start, found, taken);
  if (flags & HAS_NON_ASCII && hasIdnHint(token)) takeIdns(token, start, found, taken);
  if (taken.length === 0) {
    takeAtoms(token, start, 0, token.length, flags, found, ctx);
    return;
  }
  let from = 0;
  for (const [s, e] of taken) {
    if (s > from) takeAtoms(token, start, from, s, flags, found, ctx);
    from = Math.max(from, e);
  }
  if (from < token.length) takeAtoms(token, start, from, token.length, flags, found, ctx);
  found.sortFrom(first);
}

/**
 * Where a token may hold an indicator: a dot before a letter (a TLD starts
 * with one), four dotted numbers (not `HTTP/1.1`, `4.2` or `10.0.19045`), an
 * `@`, `://`, `::` or three colon-separated hex groups (IPv6, not a time of
 * day), or eight hex digits starting with a digit (a 32-digit hash all but
 * surely has one in its first 25 places; the run is then measured). Native
 * regular-expression search skips ordinary prose far faster than a character
 * loop in JavaScript.
 */
const TRIGGER = /\.[A-Za-z\u0080-\uffff]|\d\.\d{1,3}\.\d{1,3}\.\d|@|:\/\/|::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:|[0-9][0-9A-Fa-f]{7}/g;

const isHex = (c: number): boolean => TOKEN_CLASS[c] === 1;

/** The first pass: find trigger points, widen each to its whitespace-delimited token, process the token. */
function scan(ctx: Context): void {
  const { text } = ctx;
  const length = text.length;
  TRIGGER.lastIndex = 0;
  while (TRIGGER.test(text)) {
    const last = TRIGGER.lastIndex;
    let at = last - 1;
    if (isHex(text.charCodeAt(last - 1)) && isHex(text.charCodeAt(last - 2))) {
      // Eight hex digits (every other trigger ends in a non-hex character or
      // has one just before its last): a hash candidate only if the whole
      // hex run is at least 32 long.
      let runStart = last - 8;
      while (runStart > 0 && isHex(text.charCodeAt(runStart - 1))) runStart--;
      let runEnd = last;
      while (runEnd < length && isHex(text.charCodeAt(runEnd))) runEnd++;
      if (runEnd - runStart < 32) {
        TRIGGER.lastIndex = runEnd;
        continue;
      }
      at = runStart;
    } else if (TOKEN_CLASS[text.charCodeAt(at)] === 0) {
      at--; // '.' before a non-ASCII delimiter
    }
    let start = at;
    while (start > 0 && TOKEN_CLASS[text.charCodeAt(start - 1)] !== 0) start--;
    let end = start;
    let flags = 0;
    let hexRun = 0;
    for (; end < length; end++) {
      const kind = TOKEN_CLASS[text.charCodeAt(end)];
      if (kind === 1) {
        if (++hexRun === 32) flags |= HAS_HEX_RUN;
        continue;
      }
      if (kind === 0) break;
      hexRun = 0;
      if (kind === 5) flags |= HAS_COLON;
      else if (kind === 7) flags |= HAS_NON_ASCII;
      else if (kind === 8) flags |= HAS_NON_ASCII | HAS_ALPHABETIC;
      else if (kind === 4) flags |= HAS_AT;
    }
    const before = ctx.out.length;
    try {
      processToken(ctx, start, end, flags);
    } catch {
      ctx.out.truncate(before); // one malformed token must not cost the rest of the report
    }
    TRIGGER.lastIndex = Math.max(end, at + 1);
  }
}

/** Unique by (type, value), in order of first appearance. Never throws, whatever the input (invalid UTF-16, control chars, huge text). */
export function extractObservables(text: string): ExtractedObservable[] {
  const result: ExtractedObservable[] = [];
  if (typeof text !== 'string' || text.length === 0) return result;
  // The two streams hold disjoint types (CVE ids and AS numbers only come
  // from `findIdentifiers`); one set per type saves building a key per value.
  const seen = new Map<ObservableType, Set<string>>();
  const add = (observable: Readonly<ExtractedObservable>): void => {
    let values = seen.get(observable.type);
    if (values === undefined) seen.set(observable.type, (values = new Set()));
    if (values.has(observable.value)) return;
    values.add(observable.value);
    // Memoised results are shared and frozen: hand out a copy of those.
    result.push(Object.isFrozen(observable) ? { type: observable.type, value: observable.value, isPrivate: observable.isPrivate } : observable);
  };
  try {
    const refanged = refangWithMarks(text);
    const ctx: Context = { text: refanged.text, marks: refanged.marks, out: new Found() };
    const anywhere = findIdentifiers(refanged.text);
    scan(ctx);
    const { positions, observables } = ctx.out;
    let j = 0;
    for (let i = 0; i < positions.length; i++) {
      while (j < anywhere.length && anywhere.positions[j]! < positions[i]!) add(anywhere.observables[j++]!);
      add(observables[i]!);
    }
    while (j < anywhere.length) add(anywhere.observables[j++]!);
  } catch {
    // Keep what was found; never fail the caller over text it cannot control.
  }
  return result;
}
