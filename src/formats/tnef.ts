/**
 * TNEF (`winmail.dat`, `application/ms-tnef`; [MS-OXTNEF]): Outlook's
 * wrapping of a message's attachments, which hides the evidence of a report
 * sent from Outlook. What a CSIRT needs of it is the files inside, so this
 * reads the attachments — each one's name (the long name from its MAPI
 * properties when it has one, else its title) and bytes — the subject, and
 * the body: Outlook usually sends it beside the TNEF as text too, but a
 * rich-text mail may carry it only inside, as compressed RTF.
 *
 * Written here because the one npm library (node-tnef) copies the rest of
 * the file at every attribute (quadratic in the file's size) and logs every
 * parse. This reader takes views, checks every length against what is
 * left, caps the attributes it reads, and never throws: what it cannot
 * read is said in `problems`; the file itself is kept whole by the caller.
 */
import iconv from 'iconv-lite';
import { readCompressedRtf, type RichTextBody } from './rich-text.js';

export interface TnefAttachment {
  filename: string | null;
  mimeType: string | null;
  content: Buffer;
}

export interface TnefContents {
  subject: string | null;
  /**
   * The message's body, when the file holds one: its plain text (attBody,
   * PR_BODY), else its HTML (PR_BODY_HTML), else its rich text
   * (PR_RTF_COMPRESSED, as Outlook sends a rich-text mail) read as text
   * with its links' targets (`rich-text.ts`).
   */
  body: RichTextBody | null;
  attachments: TnefAttachment[];
  problems: string[];
}

const SIGNATURE = 0x223e9f78;
const LEVEL_MESSAGE = 1;
const LEVEL_ATTACHMENT = 2;

// Attribute ids (the low 16 bits of the attribute tag).
const ATT_SUBJECT = 0x8004;
const ATT_BODY = 0x800c;
const ATT_MSG_PROPS = 0x9003;
const ATT_ATTACH_DATA = 0x800f;
const ATT_ATTACH_TITLE = 0x8010;
const ATT_ATTACH_REND_DATA = 0x9002;
const ATT_ATTACHMENT = 0x9005;
const ATT_OEM_CODEPAGE = 0x9007;

// MAPI property ids and types of an attachment's attAttachment.
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
// …and of the message's attMsgProps.
const PR_BODY = 0x1000;
const PR_RTF_COMPRESSED = 0x1009;
const PR_BODY_HTML = 0x1013;
const PR_INTERNET_CPID = 0x3fde;
const PT_SHORT = 0x0002;
const PT_LONG = 0x0003;
const PT_FLOAT = 0x0004;
const PT_ERROR = 0x000a;
const PT_BOOLEAN = 0x000b;
const PT_DOUBLE = 0x0005;
const PT_CURRENCY = 0x0006;
const PT_APPTIME = 0x0007;
const PT_I8 = 0x0014;
const PT_SYSTIME = 0x0040;
const PT_CLSID = 0x0048;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MV_FLAG = 0x1000;

/** Attributes read at most (a real file has tens, plus a handful per attachment). */
const MAX_ATTRIBUTES = 20_000;

export interface TnefLimits {
  maxAttachments: number;
}

/** A TNEF stream: its signature (and, for the caller's choice, a name or type saying so). */
export function isTnef(filename: string | null, mimeType: string, content: Buffer): boolean {
  if (content.length < 6 || content.readUInt32LE(0) !== SIGNATURE) return false;
  return /^winmail\.dat$/i.test(filename ?? '') || /^application\/(vnd\.)?ms-tnef$/i.test(mimeType);
}

/** The attachments and subject of a TNEF stream; never throws. */
export function readTnef(data: Buffer, limits: TnefLimits = { maxAttachments: 100 }): TnefContents {
  const out: TnefContents = { subject: null, body: null, attachments: [], problems: [] };
  try {
    readInto(out, data, limits);
  } catch (err) {
    // The last guard of "never throws": every read below is checked against what is left.
    out.problems.push(`winmail.dat: could not be read to the end (${(err as Error).message}); what was read is kept`);
  }
  return out;
}

function readInto(out: TnefContents, data: Buffer, limits: TnefLimits): void {
  if (data.length < 6 || data.readUInt32LE(0) !== SIGNATURE) {
    out.problems.push('winmail.dat: not a TNEF stream (no signature)');
    return;
  }
  let codepage = 1252;
  const body: { text: string | null; html: string | null; rtf: Buffer | null } = { text: null, html: null, rtf: null };
  let current: TnefAttachment | null = null;
  let at = 6;
  let read = 0;
  const finish = () => {
    if (current && current.content.length + (current.filename ? 1 : 0) > 0) out.attachments.push(current);
    current = null;
  };
  while (at < data.length) {
    if (++read > MAX_ATTRIBUTES) {
      out.problems.push(`winmail.dat: more than ${MAX_ATTRIBUTES} attributes; the rest is not read`);
      break;
    }
    // level (1) + tag (4) + length (4), the data, then a 2-byte checksum.
    if (at + 9 > data.length) {
      out.problems.push(`winmail.dat: cut short at byte ${at}`);
      break;
    }
    const level = data.readUInt8(at);
    const id = data.readUInt16LE(at + 1);
    const length = data.readUInt32LE(at + 5);
    const start = at + 9;
    if (length > data.length - start - 2) {
      out.problems.push(`winmail.dat: an attribute at byte ${at} says ${length} bytes, more than the file holds; the rest is not read`);
      break;
    }
    const value = data.subarray(start, start + length);
    if (data.readUInt16LE(start + length) !== checksum(value)) out.problems.push(`winmail.dat: the checksum of the attribute at byte ${at} does not match; read all the same`);
    at = start + length + 2;

    if (level === LEVEL_MESSAGE) {
      if (id === ATT_OEM_CODEPAGE && value.length >= 4) codepage = value.readUInt32LE(0);
      else if (id === ATT_SUBJECT) out.subject = decode8(value, codepage);
      else if (id === ATT_BODY) body.text ??= decode8(value, codepage);
      else if (id === ATT_MSG_PROPS) {
        const props = mapiProps(value, codepage, out.problems, "the message's properties");
        body.text = props.strings.get(PR_BODY) ?? body.text;
        body.html = htmlOf(props, codepage);
        body.rtf = props.binaries.get(PR_RTF_COMPRESSED) ?? null;
      }
      continue;
    }
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_REND_DATA) {
      // Each attachment begins with its rendering data.
      finish();
      if (out.attachments.length >= limits.maxAttachments) {
        out.problems.push(`winmail.dat: more than ${limits.maxAttachments} attachments; the rest are kept only inside it`);
        break;
      }
      current = { filename: null, mimeType: null, content: Buffer.alloc(0) };
    } else if (current) {
      const attachment: TnefAttachment = current;
      if (id === ATT_ATTACH_TITLE) attachment.filename ??= decode8(value, codepage);
      else if (id === ATT_ATTACH_DATA) attachment.content = value;
      else if (id === ATT_ATTACHMENT) {
        const props = mapiProps(value, codepage, out.problems, 'the properties of an attachment');
        const long = props.strings.get(PR_ATTACH_LONG_FILENAME);
        if (long) attachment.filename = long;
        const mime = props.strings.get(PR_ATTACH_MIME_TAG);
        if (mime) attachment.mimeType = mime.toLowerCase();
      }
    }
  }
  finish();
  out.body = bodyOf(body, out.problems);
}

/** The message's body as text: its plain text, else its HTML, else its rich text (RTF) read as text. */
function bodyOf(body: { text: string | null; html: string | null; rtf: Buffer | null }, problems: string[]): RichTextBody | null {
  if (body.text?.trim()) return { text: body.text };
  if (body.html?.trim()) return { html: body.html };
  if (!body.rtf) return null;
  const rich = readCompressedRtf(body.rtf);
  if ('problem' in rich) {
    problems.push(`winmail.dat: ${rich.problem}`);
    return null;
  }
  return rich;
}

/** PR_BODY_HTML: a string, or bytes in the message's internet codepage (PR_INTERNET_CPID), else the file's. */
function htmlOf(props: MapiProps, codepage: number): string | null {
  const html = props.strings.get(PR_BODY_HTML);
  if (html) return html;
  const bytes = props.binaries.get(PR_BODY_HTML);
  if (!bytes) return null;
  const cpid = props.longs.get(PR_INTERNET_CPID) ?? codepage;
  const encoding = cpid === 65001 ? 'utf8' : cpid === 50220 || cpid === 50221 || cpid === 50222 ? 'iso-2022-jp' : cpid === 51932 ? 'euc-jp' : `cp${cpid}`;
  return iconv.encodingExists(encoding) ? iconv.decode(bytes, encoding) : bytes.toString('utf8');
}

/** TNEF's checksum: the sum of the bytes, modulo 65536. */
function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum = (sum + b[i]!) & 0xffff;
  return sum;
}

/** An 8-bit string in the file's codepage (932 for Japanese Outlook), up to its terminating NUL. */
function decode8(b: Buffer, codepage: number): string | null {
  const end = b.indexOf(0);
  const bytes = end === -1 ? b : b.subarray(0, end);
  const encoding = codepage === 65001 ? 'utf8' : `cp${codepage}`;
  const s = iconv.encodingExists(encoding) ? iconv.decode(bytes, encoding) : bytes.toString('latin1');
  return s.trim() || null;
}

const FIXED_SIZE: Record<number, number> = {
  [PT_SHORT]: 4,
  [PT_LONG]: 4,
  [PT_FLOAT]: 4,
  [PT_ERROR]: 4,
  [PT_BOOLEAN]: 4,
  [PT_DOUBLE]: 8,
  [PT_CURRENCY]: 8,
  [PT_APPTIME]: 8,
  [PT_I8]: 8,
  [PT_SYSTIME]: 8,
  [PT_CLSID]: 16,
};

/** The properties of a MAPI property list that the reader uses: strings, binaries (their bytes, views) and 32-bit numbers, by id. */
interface MapiProps {
  strings: Map<number, string>;
  binaries: Map<number, Buffer>;
  longs: Map<number, number>;
}

/**
 * The string, binary and 32-bit properties of a MAPI property list (an
 * attAttachment's, or the message's attMsgProps), by id: the rest is
 * stepped over. A list this cannot follow ends where it stops, said as
 * `what` in `problems`.
 */
function mapiProps(b: Buffer, codepage: number, problems: string[], what: string): MapiProps {
  const props: MapiProps = { strings: new Map(), binaries: new Map(), longs: new Map() };
  const fail = () => (problems.push(`winmail.dat: ${what} could not be read to the end`), props);
  if (b.length < 4) return props;
  const count = b.readUInt32LE(0);
  let at = 4;
  // Arithmetic, not bitwise: a length near 2^32 must not wrap to a negative step.
  const pad4 = (n: number) => n + ((4 - (n % 4)) % 4);
  for (let i = 0; i < count && i < MAX_ATTRIBUTES; i++) {
    const before = at;
    if (at + 4 > b.length) return fail();
    const type = b.readUInt16LE(at);
    const id = b.readUInt16LE(at + 2);
    at += 4;
    if (id >= 0x8000) {
      // A named property: its set's GUID, then a number or a name.
      if (at + 20 > b.length) return fail();
      const kind = b.readUInt32LE(at + 16);
      at += 20;
      if (kind === 0) at += 4;
      else {
        if (at + 4 > b.length) return fail();
        const nameLength = b.readUInt32LE(at);
        if (nameLength > b.length - at - 4) return fail();
        at += 4 + pad4(nameLength);
      }
    }
    const base = type & ~MV_FLAG;
    const fixed = FIXED_SIZE[base];
    const multi = (type & MV_FLAG) !== 0;
    let values = 1;
    if (multi || fixed === undefined) {
      if (at + 4 > b.length) return fail();
      values = b.readUInt32LE(at);
      at += 4;
    }
    if (fixed !== undefined) {
      if (values > (b.length - at) / fixed) return fail();
      // Named properties' ids are the file's own mapping: only the standard ones (below 0x8000) are kept.
      if (!multi && id < 0x8000 && base === PT_LONG) props.longs.set(id, b.readUInt32LE(at));
      at += fixed * values;
      continue;
    }
    if (base !== PT_STRING8 && base !== PT_UNICODE && base !== PT_BINARY && base !== PT_OBJECT) return fail();
    for (let v = 0; v < values; v++) {
      if (at + 4 > b.length) return fail();
      const length = b.readUInt32LE(at);
      at += 4;
      if (length > b.length - at) return fail();
      const value = b.subarray(at, at + length);
      at += pad4(length);
      if (v !== 0 || multi || id >= 0x8000) continue;
      if (base === PT_UNICODE || base === PT_STRING8) {
        const s = base === PT_UNICODE ? value.toString('utf16le').replace(/\0[\s\S]*$/, '') : decode8(value, codepage);
        if (s) props.strings.set(id, s);
      } else if (base === PT_BINARY) props.binaries.set(id, value);
    }
    // Every property moves on: a list that would go back or stand still ends here.
    if (at <= before) return fail();
  }
  return props;
}
