/**
 * The raw MIME cutting of abuse reports: headers and body of a message or part,
 * the leaves of a multipart, `Name: value` field blocks, Content-Type parameters.
 * Cut from the raw bytes rather than taken from postal-mime (see abuse-report.ts).
 */
import { addressParser } from 'postal-mime';
import { addField, first, quote, type Fields } from './abuse-report.values.js';

export interface Entity {
  headers: Map<string, string>;
  type: string;
  params: Map<string, string>;
  body: Buffer;
}

const MAX_DEPTH = 4;
const MAX_PARTS = 500;

/** Headers and body of a message or part; an mbox "From " line before a message's headers is skipped. */
export function readEntity(buf: Buffer, isMessage = false): Entity {
  const s = buf.toString('latin1');
  let start = isMessage ? (/^From [^\r\n]*\r?\n/.exec(s)?.[0].length ?? 0) : 0;
  let headerText = '';
  const blank = /^\r?\n/.exec(s.slice(start, start + 2));
  if (blank) start += blank[0].length;
  else {
    const end = /\r?\n\r?\n/g;
    end.lastIndex = start;
    const hit = end.exec(s);
    headerText = s.slice(start, hit ? hit.index : s.length);
    start = hit ? hit.index + hit[0].length : s.length;
  }
  const headers = new Map<string, string>();
  const lines: Fields = {};
  readFieldBlock(headerText, lines, [], 'the headers');
  for (const [k, v] of Object.entries(lines)) if (!headers.has(k.toLowerCase())) headers.set(k.toLowerCase(), first(v) ?? '');
  const { type, params } = contentType(headers.get('content-type'));
  const raw = buf.subarray(start);
  const cte = headers.get('content-transfer-encoding')?.trim().toLowerCase();
  const body = cte === 'base64' ? Buffer.from(raw.toString('latin1'), 'base64') : cte === 'quoted-printable' ? decodeQp(raw) : raw;
  return { headers, type, params, body };
}

export function splitLeaves(entity: Entity, depth: number, problems: string[]): Entity[] {
  const boundary = entity.params.get('boundary');
  if (!boundary) {
    problems.push(`a ${entity.type} without a boundary: its parts cannot be read`);
    return [];
  }
  const s = entity.body.toString('latin1');
  const delimiter = `--${boundary}`;
  const leaves: Entity[] = [];
  let partStart = -1;
  let closed = false;
  for (let at = s.indexOf(delimiter); at !== -1 && !closed; at = s.indexOf(delimiter, at + 1)) {
    if (at > 0 && s[at - 1] !== '\n') continue;
    const after = at + delimiter.length;
    const isClose = s.startsWith('--', after);
    const lineEnd = s.indexOf('\n', after);
    // Only transport padding may follow a delimiter; anything else means the boundary was a prefix of other text.
    if (s.slice(isClose ? after + 2 : after, lineEnd === -1 ? s.length : lineEnd).trim() !== '') continue;
    if (partStart !== -1) {
      const end = Math.max(partStart, at - (s[at - 2] === '\r' ? 2 : 1));
      leaves.push(...leavesOf(readEntity(entity.body.subarray(partStart, end)), depth, problems));
      if (leaves.length >= MAX_PARTS) {
        problems.push(`more than ${MAX_PARTS} parts: the rest are not read`);
        return leaves;
      }
    }
    closed = isClose;
    partStart = lineEnd === -1 ? s.length : lineEnd + 1;
  }
  if (partStart === -1) problems.push(`no part found in the ${entity.type} body`);
  else if (!closed) {
    problems.push(`the ${entity.type} body has no closing boundary: the message may be truncated`);
    leaves.push(...leavesOf(readEntity(entity.body.subarray(partStart)), depth, problems));
  }
  return leaves;
}

function leavesOf(part: Entity, depth: number, problems: string[]): Entity[] {
  if (!part.type.startsWith('multipart/')) return [part];
  if (depth + 1 >= MAX_DEPTH) {
    problems.push(`multiparts nested deeper than ${MAX_DEPTH}: the deeper ones are not read`);
    return [];
  }
  return splitLeaves(part, depth + 1, problems);
}

/**
 * `Name: value` lines with folded continuations, as in a header block or a
 * message/feedback-report body. A line that is neither is a problem, skipped.
 */
export function readFieldBlock(source: string, fields: Fields, problems: string[], label: string): void {
  let last: string | null = null;
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (/^[ \t]/.test(line) && last !== null) {
      const current = fields[last]!;
      if (typeof current === 'string') fields[last] = `${current} ${line.trim()}`.trim();
      else current.push(`${current.pop() ?? ''} ${line.trim()}`.trim());
    } else if (colon > 0 && /^[\x21-\x39\x3b-\x7e]+$/.test(line.slice(0, colon))) {
      last = line.slice(0, colon);
      addField(fields, last, line.slice(colon + 1).trim());
    } else {
      problems.push(`a line of ${label} is not "Name: value": ${quote(line)}`);
      last = null;
    }
  }
}

function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const segments = (value ?? 'text/plain').match(/(?:[^;"]|"(?:[^"\\]|\\.)*"?)+/g) ?? [];
  const params = new Map<string, string>();
  for (const segment of segments.slice(1)) {
    const eq = segment.indexOf('=');
    if (eq === -1) continue;
    let key = segment.slice(0, eq).trim().toLowerCase();
    let v = segment.slice(eq + 1).trim();
    if (v.startsWith('"')) v = v.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
    if (key.endsWith('*')) {
      key = key.slice(0, -1);
      try {
        v = decodeURIComponent(v.replace(/^[^']*'[^']*'/, ''));
      } catch {
        // Kept as written when the percent-encoding is broken.
      }
    }
    params.set(key, v);
  }
  return { type: (segments[0] ?? '').trim().toLowerCase() || 'text/plain', params };
}

function decodeQp(raw: Buffer): Buffer {
  const s = raw.toString('latin1').replace(/=\r?\n/g, '');
  return Buffer.from(s.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

export const partName = (e: Entity): string | undefined =>
  e.params.get('name') ?? contentType(`x/x;${e.headers.get('content-disposition') ?? ''}`).params.get('filename');

export function mailFrom(value: string | undefined): string | null {
  if (!value) return null;
  const [a] = addressParser(value);
  const address = a && 'address' in a ? a.address : undefined;
  return address ? address.toLowerCase() : null;
}
