/**
 * Just enough raw MIME, and OpenPGP text framing, to find the OpenPGP in a message
 * without losing bytes. Decoding parsers (postal-mime, mailparser) hand back decoded
 * text, but a PGP/MIME signature covers the exact bytes of the signed entity, so this
 * module slices entities out of the raw message by their boundaries instead.
 */

export interface MimeEntity {
  /** Header names lower-cased, values unfolded; the first occurrence wins. */
  headers: Map<string, string>;
  /** Lower-cased `type/subtype`; `text/plain` when absent, as RFC 2045 says. */
  mimeType: string;
  /** Content-Type parameters, names lower-cased. */
  params: Map<string, string>;
  /** The whole entity, headers included, exactly as received. */
  raw: Buffer;
  /** The body, still in its transfer encoding. */
  body: Buffer;
}

const MAX_DEPTH = 16;

export function parseEntity(raw: Buffer): MimeEntity {
  const split = headerEnd(raw);
  const headers = parseHeaders(raw.subarray(0, split.headerLength).toString('latin1'));
  const { mimeType, params } = parseContentType(headers.get('content-type'));
  return { headers, mimeType, params, raw, body: raw.subarray(split.bodyStart) };
}

/** Where the header block ends: at the first empty line (CRLF or bare LF), or a body-less entity. */
export function headerEnd(raw: Buffer): { headerLength: number; bodyStart: number } {
  if (raw[0] === 0x0a) return { headerLength: 0, bodyStart: 1 };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { headerLength: 0, bodyStart: 2 };
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) {
    if (raw[i + 1] === 0x0a) return { headerLength: i + 1, bodyStart: i + 2 };
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return { headerLength: i + 1, bodyStart: i + 3 };
  }
  return { headerLength: raw.length, bodyStart: raw.length };
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  let name: string | null = null;
  let value = '';
  const flush = () => {
    if (name !== null && !headers.has(name)) headers.set(name, value.trim());
    name = null;
  };
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (name !== null) value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    // A line that is neither a header nor a continuation is dropped, as most MUAs do.
    if (colon <= 0) continue;
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return headers;
}

export function parseContentType(value: string | undefined): { mimeType: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { mimeType: 'text/plain', params };
  const semi = value.indexOf(';');
  const mimeType = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase() || 'text/plain';
  const rest = semi === -1 ? '' : value.slice(semi + 1);
  const re = /\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))\s*;?/g;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    const key = m[1]!.toLowerCase();
    const val = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (!params.has(key)) params.set(key, val);
  }
  return { mimeType, params };
}

/**
 * The body parts of a multipart entity, each exactly as received. Per RFC 2046 the
 * line break before a delimiter belongs to the delimiter, not to the part before it.
 */
export function splitMultipart(entity: MimeEntity): Buffer[] {
  const boundary = entity.params.get('boundary');
  if (!boundary) return [];
  const body = entity.body;
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Buffer[] = [];
  let partStart = -1;
  for (let at = body.indexOf(dash); at !== -1; at = body.indexOf(dash, at + dash.length)) {
    const lineStart = at === 0 || body[at - 1] === 0x0a;
    if (!lineStart) continue;
    const isClose = body[at + dash.length] === 0x2d && body[at + dash.length + 1] === 0x2d;
    if (partStart !== -1) {
      let end = at;
      if (end > partStart && body[end - 1] === 0x0a) end--;
      if (end > partStart && body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(partStart, Math.max(partStart, end)));
    }
    if (isClose) return parts;
    const eol = body.indexOf(0x0a, at + dash.length);
    if (eol === -1) return parts;
    partStart = eol + 1;
  }
  // No closing delimiter: keep the last part as it stands (truncated mail).
  if (partStart !== -1 && partStart < body.length) parts.push(body.subarray(partStart));
  return parts;
}

export function decodeTransfer(entity: MimeEntity): Buffer {
  const cte = (entity.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (cte === 'base64') return Buffer.from(entity.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(entity.body);
  return entity.body;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = text.charCodeAt(i) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/**
 * Bare LF to CRLF: the canonical form that RFC 3156 signs. Mail stored by a
 * Unix tool (mbox, Maildir, a test fixture) has lost its CRs; SMTP had them.
 */
export function canonicalCrlf(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  if (!/(?<!\r)\n/.test(text)) return bytes;
  return Buffer.from(text.replace(/(?<!\r)\n/g, '\r\n'), 'latin1');
}

export function isAttachment(entity: MimeEntity): boolean {
  return /^\s*attachment\b/i.test(entity.headers.get('content-disposition') ?? '');
}

/** Text/plain leaves that are not attachments, in document order: where inline PGP lives. */
export function textLeaves(entity: MimeEntity, depth = 0): MimeEntity[] {
  if (depth > MAX_DEPTH) return [];
  if (entity.mimeType.startsWith('multipart/')) {
    return splitMultipart(entity).flatMap((part) => textLeaves(parseEntity(part), depth + 1));
  }
  return entity.mimeType === 'text/plain' && !isAttachment(entity) ? [entity] : [];
}

/** Decodes body bytes in their declared charset; unknown charsets fall back to UTF-8. */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Index of `marker` at the start of a line, at or after `from`; -1 when absent. */
export function lineStartIndex(text: string, marker: string, from = 0): number {
  for (let at = text.indexOf(marker, from); at !== -1; at = text.indexOf(marker, at + 1)) {
    if (at === 0 || text[at - 1] === '\n') return at;
  }
  return -1;
}

/** The armored block `-----BEGIN PGP <label>-----` … `-----END PGP <label>-----`; to the end of the text when unterminated. */
export function findArmor(text: string, label: string, from = 0): { start: number; end: number } | null {
  const start = lineStartIndex(text, `-----BEGIN PGP ${label}-----`, from);
  if (start === -1) return null;
  const endMarker = `-----END PGP ${label}-----`;
  const end = text.indexOf(endMarker, start);
  return { start, end: end === -1 ? text.length : end + endMarker.length };
}

export function hasTextOutside(text: string, start: number, end: number): boolean {
  return /\S/.test(text.slice(0, start)) || /\S/.test(text.slice(end));
}

export interface Cleartext {
  /** What the signature covers (RFC 4880 §7.1): dash-unescaped lines, trailing whitespace removed, CRLF-joined. */
  signed: Buffer;
  /** The text as written, dash-unescaped, LF-joined, still in the body's charset. */
  text: Buffer;
  /** The armored signature block. */
  signature: Buffer;
  /** Non-blank text before or after the signed block, which the signature does not cover. */
  hasTextOutside: boolean;
}

/**
 * Splits a cleartext-signed body (`-----BEGIN PGP SIGNED MESSAGE-----` at `start`) into bytes,
 * not a JS string, so a body in ISO-8859-1 or ISO-2022-JP verifies as the sender's bytes were
 * signed. Null when the signature block is missing (a truncated mail).
 */
export function splitCleartext(body: Buffer, start: number): Cleartext | null {
  const text = body.toString('latin1');
  const headerEnd = /\r?\n\r?\n/g;
  headerEnd.lastIndex = start;
  const head = headerEnd.exec(text);
  const sig = findArmor(text, 'SIGNATURE', start);
  if (!head || !sig || sig.start < head.index) return null;
  const lines = text
    .slice(head.index + head[0].length, sig.start)
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)
    .map((l) => l.replace(/^- /, ''));
  return {
    signed: Buffer.from(lines.map((l) => l.replace(/[ \t]+$/, '')).join('\r\n'), 'latin1'),
    text: Buffer.from(lines.join('\n'), 'latin1'),
    signature: Buffer.from(text.slice(sig.start, sig.end), 'latin1'),
    hasTextOutside: hasTextOutside(text, start, sig.end),
  };
}
