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
import { decodeTransfer, headerEnd, parseEntity, splitMultipart, textLeaves } from './pgp-mime.js';

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

/** Multipart entities looked into at most (each is searched for its delimiters), and entities in all. */
const MAX_MULTIPARTS = 32;
const MAX_ENTITIES = 2000;

/**
 * Problems of a mail's structure, found by walking its MIME entities (their
 * own header blocks only: headers pasted into a text are text): a multipart
 * that never closes, a base64 body with bytes that are not base64.
 */
export function structureProblems(raw: Buffer): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let badBase64: number | null = null;
  let multiparts = 0;
  const queue: Buffer[] = [raw];
  for (let seen = 0; queue.length && seen < MAX_ENTITIES; seen++) {
    const entity = parseEntity(queue.shift()!);
    const cte = (entity.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
    if (cte === 'base64' && badBase64 === null) {
      const at = firstNotBase64(entity.body);
      // The body is a view of `raw`: its offset there gives the line.
      if (at !== -1) badBase64 = lineNumber(raw, entity.body.byteOffset - raw.byteOffset + at);
    }
    if (entity.mimeType.startsWith('multipart/')) {
      const boundary = entity.params.get('boundary');
      if (!boundary || ++multiparts > MAX_MULTIPARTS) continue;
      if (!closes(entity.body, boundary)) open.push(boundary);
      queue.push(...splitMultipart(entity));
    } else if (entity.mimeType === 'message/rfc822' && cte !== 'base64' && cte !== 'quoted-printable') queue.push(entity.body);
  }
  if (open.length)
    problems.push(
      `a multipart body never closes (boundary ${open
        .slice(0, 3)
        .map((b) => `"${b}"`)
        .join(', ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''}): the message may be cut short; what could be read was kept`,
    );
  if (badBase64 !== null) problems.push(`a base64 part holds characters that are not base64 (line ${badBase64}): it was decoded as far as it goes; the raw original is whole`);
  return problems;
}

/** Whether a multipart body has its closing delimiter (`--boundary--` at the start of a line). */
function closes(body: Buffer, boundary: string): boolean {
  const close = `--${boundary}--`;
  for (let at = body.indexOf(close, 0, 'latin1'); at !== -1; at = body.indexOf(close, at + 1, 'latin1')) if (at === 0 || body[at - 1] === 0x0a) return true;
  return false;
}

/** Bytes a base64 body may hold: the alphabet, padding and white space. */
const BASE64_BYTE = (() => {
  const table = new Uint8Array(256);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n') table[c.charCodeAt(0)] = 1;
  return table;
})();

/** Where the first byte that is not base64 is in a base64 body; -1 when there is none. */
function firstNotBase64(body: Buffer): number {
  for (let i = 0; i < body.length; i++) if (BASE64_BYTE[body[i]!] === 0) return i;
  return -1;
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
  // Better only when it reads cleanly and either tells more Japanese or mends what did not decode at all.
  if (looksMisdecoded(again.text) || (japaneseLetters(again.text) <= japaneseLetters(parsed) && !parsed.includes('\ufffd'))) return null;
  return { text: again.text, problem: `the text says it is ${declared} but is not: read as ${again.charset}` };
}

/** A subject sent as raw 8-bit bytes (no RFC 2047 encoding), read again from those bytes when the parser's reading lied. */
export function rereadSubject(raw: Buffer, parsed: string | null): string | null {
  if (parsed === null || !looksMisdecoded(parsed)) return null;
  const head = raw.subarray(0, headerEnd(raw).headerLength);
  const m = /^subject:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head.toString('latin1'));
  if (!m || m[1]!.includes('=?')) return null;
  const again = guessText(Buffer.from(m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim(), 'latin1'), undefined);
  return !looksMisdecoded(again.text) && (japaneseLetters(again.text) > japaneseLetters(parsed) || parsed.includes('\ufffd')) ? again.text : null;
}
