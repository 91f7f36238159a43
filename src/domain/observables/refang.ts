/**
 * Defanging: how handlers write an indicator so that no mail client or chat
 * turns it into a live link (`hxxps://evil[.]example`), and back.
 */
import type { ExtractedObservable } from './observable.js';

const FULL_WIDTH = /[\uFF01-\uFF5E]/;
const FULL_WIDTH_RUNS = /[\uFF01-\uFF5E]+/g;

/**
 * Full-width ASCII (U+FF01–U+FF5E: `．`, `＠`, `：`, `１`, `Ａ`, `［`) to ASCII,
 * as NFKC does for that block. Only that block: NFKC on the whole text would
 * also rewrite characters that are not ours to touch, and is slow on 10 MB. The
 * length is unchanged. `。` (U+3002) is left alone: in Japanese prose it ends a
 * sentence, very often the one a URL ends.
 */
export function foldFullWidth(text: string): string {
  if (!FULL_WIDTH.test(text)) return text;
  return text.replace(FULL_WIDTH_RUNS, (run) => {
    let out = '';
    for (let i = 0; i < run.length; i++) out += String.fromCharCode(run.charCodeAt(i) - 0xfee0);
    return out;
  });
}

/**
 * The markers, case-insensitive: `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`,
 * `[://]`, `[/]`, `[@]`, `(@)`, `[at]`, and the schemes `hxxp`, `hxxps`, `h**p`,
 * `h**ps`, `fxp` before a colon. Each alternative starts with a literal, so the
 * scan is one linear pass (no nested quantifiers).
 */
const DEFANG = /[[({](?:\.|dot|:\/\/|:|\/|@|at)[\])}]|h(?:xx|\*\*)ps?(?=[:[({])|fxps?(?=[:[({])/gi;

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122);

function replacementFor(marker: string): string {
  const inner = marker.length > 2 ? marker.slice(1, -1).toLowerCase() : '';
  switch (inner) {
    case '.':
    case 'dot':
      return '.';
    case '@':
    case 'at':
      return '@';
    case ':':
      return ':';
    case '://':
      return '://';
    case '/':
      return '/';
    default: {
      const scheme = marker.toLowerCase();
      return (scheme.startsWith('f') ? 'ftp' : 'http') + (scheme.endsWith('s') ? 's' : '');
    }
  }
}

export interface Refanged {
  text: string;
  /** Offsets in `text` where a defang marker was replaced, ascending. */
  marks: number[];
}

/**
 * Refang, keeping where markers were: extraction takes a name written
 * `setup[.]py` as a domain although `setup.py` alone is a file name.
 */
export function refangWithMarks(input: string): Refanged {
  const text = foldFullWidth(input);
  DEFANG.lastIndex = 0;
  let match = DEFANG.exec(text);
  if (match === null) return { text, marks: [] };
  const pieces: string[] = [];
  const marks: number[] = [];
  let outLength = 0;
  let from = 0;
  while (match !== null) {
    const marker = match[0];
    const start = match.index;
    let end = start + marker.length;
    const replacement = replacementFor(marker);
    let keepUntil = start;
    // `user [at] example [dot] com`: the spaces around a square-bracketed dot
    // or at-sign go too, but only between two words. Not for `(at)`, which
    // prose uses.
    if ((replacement === '.' || replacement === '@') && marker.startsWith('[')) {
      const spaceBefore = text.charCodeAt(start - 1) === 32 && isAlnum(text.charCodeAt(start - 2));
      const spaceAfter = text.charCodeAt(end) === 32 && isAlnum(text.charCodeAt(end + 1));
      if ((spaceBefore || isAlnum(text.charCodeAt(start - 1))) && (spaceAfter || isAlnum(text.charCodeAt(end)))) {
        if (spaceBefore) keepUntil = start - 1;
        if (spaceAfter) end++;
      }
    }
    if (keepUntil < from) keepUntil = from;
    pieces.push(text.slice(from, keepUntil));
    outLength += keepUntil - from;
    marks.push(outLength);
    pieces.push(replacement);
    outLength += replacement.length;
    from = end;
    DEFANG.lastIndex = end;
    match = DEFANG.exec(text);
  }
  pieces.push(text.slice(from));
  return { text: pieces.join(''), marks };
}

/** Undo defanging (and full-width ASCII) so the indicators in `text` can be read. */
export const refang = (text: string): string => refangWithMarks(text).text;

const defangDots = (host: string): string => host.replaceAll('.', '[.]');

/** IPv4 keeps its shape with only the last dot marked, `1.2.3[.]4`: enough to stop a linkifier. */
const defangIpv4 = (address: string): string => {
  const last = address.lastIndexOf('.');
  return last === -1 ? address : `${address.slice(0, last)}[.]${address.slice(last + 1)}`;
};

/**
 * Every dot of a host name is marked, not only the last: with
 * `login.bank.com.evil[.]example` a mail client would still link the
 * legitimate-looking `login.bank.com`.
 */
function defangHost(host: string): string {
  if (host.startsWith('[')) return host; // IPv6 literal: never linked on its own
  return /^[\d.]+$/.test(host) ? defangIpv4(host) : defangDots(host);
}

function defangUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(url);
  if (!match) return url;
  const [, scheme = '', authority = '', rest = ''] = match;
  const lower = scheme.toLowerCase();
  const defangedScheme = lower === 'https' ? 'hxxps' : lower === 'http' ? 'hxxp' : lower === 'ftp' ? 'fxp' : scheme;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const portMatch = /^(.*?)(:\d*)?$/s.exec(hostPort);
  const host = portMatch?.[1] ?? hostPort;
  const port = portMatch?.[2] ?? '';
  return `${defangedScheme}://${userinfo}${defangHost(host)}${port}${rest}`;
}

/** The defanged form handlers paste into mail: hxxp://, example[.]com, 1.2.3[.]4, user[@]example[.]com. */
export function defang(observable: Pick<ExtractedObservable, 'type' | 'value'>): string {
  const { value } = observable;
  switch (observable.type) {
    case 'url':
      return defangUrl(value);
    case 'domain':
      return defangDots(value);
    case 'email': {
      const at = value.lastIndexOf('@');
      return at === -1 ? value : `${value.slice(0, at)}[@]${defangDots(value.slice(at + 1))}`;
    }
    case 'ipv4':
      return defangIpv4(value);
    case 'cidr':
      return value.includes(':') ? value : defangIpv4(value);
    case 'ipv6':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'cve':
    case 'asn':
      return value;
  }
}
