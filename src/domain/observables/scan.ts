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
 * Non-ASCII letters of the alphabets that are written with spaces between
 * words and mix with ASCII letters inside one word or label: Latin (accented
 * letters, `ß`, Vietnamese), combining diacritics, Greek, Cyrillic, Armenian,
 * Georgian. In a label they count as ASCII letters do: `münchen.de` is one
 * name (not `nchen.de`), and so is the homograph `pаypal.com` (Cyrillic `а`).
 * Kana, kanji, Hangul, Thai, Arabic … next to ASCII letters are prose run
 * together with a name (`攻撃者はevil.exampleへ`, `evil.example에서`).
 */
const ALPHABETIC_RANGES: readonly (readonly [first: number, last: number])[] = [
  // Latin-1 letters (not × ÷), Latin Extended-A and -B, IPA; combining diacritical marks (`u` + U+0308 is `ü` decomposed)
  [0xc0, 0xd6], [0xd8, 0xf6], [0xf8, 0x2af], [0x300, 0x36f],
  // Greek, without its punctuation
  [0x370, 0x373], [0x376, 0x377], [0x37b, 0x37d], [0x37f, 0x37f], [0x386, 0x386], [0x388, 0x3ff],
  // Cyrillic, Armenian, Georgian
  [0x400, 0x481], [0x483, 0x52f], [0x531, 0x556], [0x561, 0x587], [0x10a0, 0x10fa], [0x10fc, 0x10ff], [0x1c80, 0x1c88], [0x1c90, 0x1cbf],
  // Latin Extended Additional (Vietnamese), Greek Extended without its spacing accents
  [0x1e00, 0x1fbc], [0x1fc2, 0x1fcc], [0x1fd0, 0x1fdb], [0x1fe0, 0x1fec], [0x1ff2, 0x1ffc],
  // Latin Extended-C, -D, -E; Cyrillic Extended-A, -B
  [0x2c60, 0x2c7f], [0x2de0, 0x2dff], [0xa640, 0xa69f], [0xa722, 0xa7ff], [0xab30, 0xab5a], [0xab5c, 0xab69],
];

const hex4 = (c: number): string => `\\u${c.toString(16).padStart(4, '0')}`;

/** `ALPHABETIC_RANGES` as the body of a regular-expression character class (BMP only, no `u` flag needed). */
export const ALPHABETIC_CLASS = ALPHABETIC_RANGES.map(([first, last]) => (first === last ? hex4(first) : `${hex4(first)}-${hex4(last)}`)).join('');

/** 1 for a code unit in `ALPHABETIC_RANGES`: one lookup where a loop meets a non-ASCII letter. */
export const ALPHABETIC = new Uint8Array(65536);
for (const [first, last] of ALPHABETIC_RANGES) ALPHABETIC.fill(1, first, last + 1);

/**
 * The class of every UTF-16 code unit, 7 for a non-ASCII letter, 8 for an
 * alphabetic one (`ALPHABETIC`): one table lookup per character in the first
 * pass (64 KB, built once).
 */
export const TOKEN_CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) TOKEN_CLASS[c] = c < 128 ? CLASS[c]! : isNonAsciiDelimiter(c) ? 0 : ALPHABETIC[c] === 1 ? 8 : 7;

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
 * `://`. The host may hold non-ASCII letters (IDN). Alphabetic ones
 * (`ALPHABETIC`) count as ASCII letters do (`https://www.münchen.de/`); any
 * other ends a label that began with an alphabetic letter after a dot
 * (`https://evil.exampleから`). Path and query are ASCII and alphabetic
 * letters: Japanese text right after a URL is prose
 * (`https://evil.example/jp/から`), while `/wiki/München` is a path as a
 * browser shows it (the URL parser percent-encodes it).
 */
export function findUrlEnd(token: string, start: number, from: number): number {
  const length = token.length;
  let i = from;
  let sawDot = false;
  let labelStart = from;
  let labelHasOtherLetter = false;
  for (; i < length; i++) {
    const c = token.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) break; // '/', '?', '#'
    if (c < 128) {
      if (AUTHORITY_CHAR[c] !== 1) return trimUrlEnd(token, start, i);
      if (c === 46) {
        sawDot = true;
        labelStart = i + 1;
        labelHasOtherLetter = false;
      }
    } else if (ALPHABETIC[c] !== 1) {
      if (isNonAsciiDelimiter(c) || (sawDot && i > labelStart && !labelHasOtherLetter)) return trimUrlEnd(token, start, i);
      labelHasOtherLetter = true;
    }
  }
  while (i < length) {
    const c = token.charCodeAt(i);
    if (c < 128 ? URL_CHAR[c] !== 1 : ALPHABETIC[c] !== 1) break;
    i++;
  }
  return trimUrlEnd(token, start, i);
}
