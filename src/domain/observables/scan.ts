/**
 * Character classes and the URL end rule used by `extract.ts`: plain loops
 * over char codes, no regular expressions, no allocation per character.
 */
import { MAX_URL_LENGTH } from './observable.js';

/** 0 delimiter · 1 hex digit/letter · 2 other letter · 3 `.` · 4 `@` · 5 `:` · 6 other ASCII punctuation. */
export const CLASS = new Uint8Array(128);
/** Characters of an e-mail local part as found in reports: `[A-Za-z0-9._%+-]`. */
export const LOCAL_PART_CHAR = new Uint8Array(128);
/** ASCII that may appear in a URL in running text. */
const URL_CHAR = new Uint8Array(128);
/** ASCII that may appear in a URL's authority (userinfo, host, port), brackets for IPv6. */
const AUTHORITY_CHAR = new Uint8Array(128);

for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const isHex = /[0-9a-fA-F]/.test(ch);
  const isLetter = /[a-zA-Z]/.test(ch);
  const isDelimiter = c <= 32 || c === 127 || '"<>`'.includes(ch);
  CLASS[c] = isDelimiter ? 0 : isHex ? 1 : isLetter ? 2 : ch === '.' ? 3 : ch === '@' ? 4 : ch === ':' ? 5 : 6;
  LOCAL_PART_CHAR[c] = /[A-Za-z0-9._%+-]/.test(ch) ? 1 : 0;
  URL_CHAR[c] = !isDelimiter && !'{}|\\^'.includes(ch) ? 1 : 0;
  AUTHORITY_CHAR[c] = /[A-Za-z0-9.\-_~%!$&'*+;=:@[\]]/.test(ch) ? 1 : 0;
}

/**
 * Non-ASCII characters that end a token: spaces, general punctuation
 * (“ ” ‘ ’ …), CJK punctuation (、。「」『』【】〜), half-width 「」、・,
 * Latin-1 punctuation, and surrogates (emoji, and lone ones from broken
 * input). Kana, kanji, Hangul and accented letters do not.
 */
export function isNonAsciiDelimiter(c: number): boolean {
  if (c >= 0x3040 && c < 0xa000) return false; // kana, kanji: the common case first
  if (c <= 0xbf) return true; // C1 controls, NBSP, « » · and the like
  if (c === 0xd7 || c === 0xf7 || c === 0x1680 || c === 0x30fb || c === 0xfeff || c === 0xfffd) return true;
  if (c >= 0x2000 && c <= 0x206f) return true;
  if (c >= 0x3000 && c <= 0x303f) return !((c >= 0x3005 && c <= 0x3007) || (c >= 0x3031 && c <= 0x3035) || c === 0x303b || c === 0x303c);
  if (c >= 0xd800 && c <= 0xdfff) return true;
  if (c >= 0xfe30 && c <= 0xfe4f) return true;
  return c >= 0xff5f && c <= 0xff65;
}

/**
 * The class of every UTF-16 code unit, 7 for a non-ASCII letter: one table
 * lookup per character in the first pass (64 KB, built once).
 */
export const TOKEN_CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) TOKEN_CLASS[c] = c < 128 ? CLASS[c]! : isNonAsciiDelimiter(c) ? 0 : 7;

const TRAILING = new Set([...'.,;:!?\'*'].map((ch) => ch.charCodeAt(0)));

function count(token: string, from: number, to: number, code: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (token.charCodeAt(i) === code) n++;
  return n;
}

/**
 * Prose punctuation after a URL is not part of it: `.`, `,`, `;`, `:`, `!`,
 * `?`, quotes, `*` (Markdown), and a `)` or `]` without its opening partner
 * (`(see https://x.example/a)` vs `https://x.example/wiki/A_(b)`).
 */
function trimUrlEnd(token: string, start: number, end: number): number {
  if (end - start > MAX_URL_LENGTH) return end; // skipped anyway
  let parens: number | undefined; // unmatched ')' in the URL, counted on first need
  let brackets: number | undefined;
  while (end > start) {
    const c = token.charCodeAt(end - 1);
    if (TRAILING.has(c)) {
      end--;
    } else if (c === 41) {
      parens ??= count(token, start, end, 41) - count(token, start, end, 40);
      if (parens <= 0) break;
      parens--;
      end--;
    } else if (c === 93) {
      brackets ??= count(token, start, end, 93) - count(token, start, end, 91);
      if (brackets <= 0) break;
      brackets--;
      end--;
    } else {
      break;
    }
  }
  return end;
}

/**
 * Where the URL that starts at `start` (its scheme) ends; `from` is just after
 * `://`. The host may hold non-ASCII letters (IDN), but a label that began in
 * ASCII after a dot ends at the first non-ASCII letter (`https://evil.exampleから`).
 * Path and query are ASCII only: Japanese text right after a URL is prose
 * (`https://evil.example/jp/から`), and real paths are percent-encoded.
 */
export function findUrlEnd(token: string, start: number, from: number): number {
  const length = token.length;
  let i = from;
  let sawDot = false;
  let labelStart = from;
  let labelHasNonAscii = false;
  for (; i < length; i++) {
    const c = token.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) break; // '/', '?', '#'
    if (c < 128) {
      if (AUTHORITY_CHAR[c] !== 1) return trimUrlEnd(token, start, i);
      if (c === 46) {
        sawDot = true;
        labelStart = i + 1;
        labelHasNonAscii = false;
      }
    } else {
      if (isNonAsciiDelimiter(c) || (sawDot && i > labelStart && !labelHasNonAscii)) return trimUrlEnd(token, start, i);
      labelHasNonAscii = true;
    }
  }
  while (i < length) {
    const c = token.charCodeAt(i);
    if (c >= 128 || URL_CHAR[c] !== 1) break;
    i++;
  }
  return trimUrlEnd(token, start, i);
}
