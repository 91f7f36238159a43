/**
 * What the MIME parser reads past without a word, found in a mail's raw
 * bytes and said as problems (the mail is stored all the same, its raw
 * original whole): a multipart body whose closing boundary never comes (a
 * message cut short), and a base64 part with characters that are not base64.
 * And a second reading of a text part whose charset label lied
 * (`charset.ts`), from its own bytes.
 */
import { guessText, japaneseLetters, looksMisdecoded } from './charset.js';
import { detectLanguage, type ParsedMail } from './mail.js';
import { decodeTransfer, parseEntity, textLeaves } from './pgp-mime.js';

/**
 * A parsed mail with what the parser read past: the structure's problems
 * added, and its text and subject read again when their charset lied (the
 * language then told again). `raw`: the bytes it was parsed from.
 */
export function checkMail(mail: ParsedMail, raw: Buffer): ParsedMail {
  const problems = [...mail.problems, ...structureProblems(raw)];
  const reread = rereadText(raw, mail.text);
  const subject = rereadSubject(raw, mail.subject);
  if (!reread && !subject) return problems.length === mail.problems.length ? mail : { ...mail, problems };
  const text = reread?.text ?? mail.text;
  return {
    ...mail,
    text,
    subject: subject ?? mail.subject,
    language: detectLanguage(`${subject ?? mail.subject ?? ''}\n${text}`),
    problems: reread ? [...problems, reread.problem] : problems,
  };
}

/** Boundaries checked at most (a crafted mail may declare thousands). */
const MAX_BOUNDARIES = 64;

export function structureProblems(raw: Buffer): string[] {
  const problems: string[] = [];
  const open = [...declaredBoundaries(raw)].filter((b) => raw.indexOf(`--${b}--`, 0, 'latin1') === -1);
  if (open.length)
    problems.push(
      `a multipart body never closes (boundary ${open
        .slice(0, 3)
        .map((b) => `"${b}"`)
        .join(', ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''}): the message may be cut short; what could be read was kept`,
    );
  const badBase64 = invalidBase64Line(raw);
  if (badBase64 !== null) problems.push(`a base64 part holds characters that are not base64 (line ${badBase64}): it was decoded as far as it goes; the raw original is whole`);
  return problems;
}

/** The multipart boundaries a mail declares (`boundary=` parameters), found with the buffer's own search, not a scan of the text. */
function declaredBoundaries(raw: Buffer): Set<string> {
  const found = new Set<string>();
  // "oundary" matches Boundary and boundary alike; the parameter is read from a small window around it.
  for (let at = raw.indexOf('oundary'); at !== -1 && found.size < MAX_BOUNDARIES; at = raw.indexOf('oundary', at + 7)) {
    const window = raw.subarray(Math.max(0, at - 1), at + 220).toString('latin1');
    const b = /^boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/i.exec(window);
    if (b) found.add(b[1] ?? b[2]!);
  }
  return found;
}

/** Bytes a base64 body may hold: the alphabet, padding and white space. */
const BASE64_BYTE = (() => {
  const table = new Uint8Array(256);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n') table[c.charCodeAt(0)] = 1;
  return table;
})();

/** The line number of the first byte of a base64 body that is not base64; null when there is none. */
function invalidBase64Line(raw: Buffer): number | null {
  for (let at = raw.indexOf('ransfer-'); at !== -1; at = raw.indexOf('ransfer-', at + 8)) {
    const header = /^ransfer-encoding:[ \t]*base64[ \t]*\r?\n/i.exec(raw.subarray(at, at + 60).toString('latin1'));
    if (!header) continue;
    const blank = raw.indexOf('\n\r\n', at) === -1 ? raw.indexOf('\n\n', at) : Math.min(...[raw.indexOf('\n\r\n', at), raw.indexOf('\n\n', at)].filter((i) => i !== -1));
    if (blank === -1) continue;
    const start = raw.indexOf('\n', blank + 1) + 1;
    // The part ends at the next boundary line (or the end of the message).
    const next = raw.indexOf('\n--', start);
    const end = next === -1 ? raw.length : next;
    for (let i = start; i < end; i++) if (BASE64_BYTE[raw[i]!] === 0) return lineNumber(raw, i);
  }
  return null;
}

const lineNumber = (raw: Buffer, at: number): number => {
  let n = 1;
  for (let i = raw.indexOf(0x0a); i !== -1 && i < at; i = raw.indexOf(0x0a, i + 1)) n++;
  return n;
};

/**
 * A better reading of a mail's text when the parser's shows its label lied
 * (`looksMisdecoded`): the first plain-text part read again from its bytes.
 * Null when the parser's reading stands.
 */
export function rereadText(raw: Buffer, parsed: string): { text: string; problem: string } | null {
  if (!looksMisdecoded(parsed)) return null;
  const leaf = textLeaves(parseEntity(raw))[0];
  if (!leaf) return null;
  const declared = leaf.params.get('charset') ?? 'us-ascii';
  const again = guessText(decodeTransfer(leaf), declared);
  if (looksMisdecoded(again.text) || japaneseLetters(again.text) <= japaneseLetters(parsed)) return null;
  return { text: again.text, problem: `the text says it is ${declared} but is not: read as ${again.charset}` };
}

/** A subject sent as raw 8-bit bytes (no RFC 2047 encoding), read again from those bytes when the parser's reading lied. */
export function rereadSubject(raw: Buffer, parsed: string | null): string | null {
  if (parsed === null || !looksMisdecoded(parsed)) return null;
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n') === -1 ? raw.indexOf('\n\n') : raw.indexOf('\r\n\r\n')));
  const m = /^subject:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head.toString('latin1'));
  if (!m || m[1]!.includes('=?')) return null;
  const again = guessText(Buffer.from(m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim(), 'latin1'), undefined);
  return japaneseLetters(again.text) > japaneseLetters(parsed) && !looksMisdecoded(again.text) ? again.text : null;
}
