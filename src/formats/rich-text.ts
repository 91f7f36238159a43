/**
 * Outlook's rich-text bodies: PR_RTF_COMPRESSED ([MS-OXRTFCP]), the form a
 * rich-text mail's body takes inside winmail.dat. Decompressed with
 * @kenjiuno/decompressrtf, then read with rtf-stream-parser: HTML or text
 * that Outlook wrapped in RTF ([MS-OXRTFEX]) comes back as it was; RTF
 * written as such is read as plain text, and the targets of its links
 * (HYPERLINK fields, which plain text drops) are added after it — in a
 * phishing report the link is the evidence.
 *
 * The decompressor trusts the sizes in the stream's header (a crafted one
 * would make it read zeros past the end, a byte at a time, for up to 2 GB),
 * so they are checked first, and the stream is read only up to
 * `MAX_COMPRESSED_RTF`.
 */
import { decompressRTF } from '@kenjiuno/decompressrtf';
import iconv from 'iconv-lite';
import rtfStreamParser from 'rtf-stream-parser';
import { ToPlainText } from 'rtf-stream-parser/dist/src/ToPlainText.js';

/** Compressed RTF read at most (LZFu expands at most 8 times: 4 MB of RTF). */
export const MAX_COMPRESSED_RTF = 512 * 1024;
const LZFU = 0x75465a4c;
const MELA = 0x414c454d;
const HEADER = 16;

/** A body: text, or HTML (for the caller to read as text). */
export type RichTextBody = { text: string } | { html: string };

/** The body in a PR_RTF_COMPRESSED stream; `{ problem }` when it cannot be read. Never throws. */
export function readCompressedRtf(stream: Buffer): RichTextBody | { problem: string } {
  if (stream.length < HEADER) return { problem: 'the rich-text body is cut short (no header)' };
  // COMPSIZE counts the bytes after itself: the rest of the header and the data.
  const compSize = stream.readUInt32LE(0);
  const type = stream.readUInt32LE(8);
  if (type !== LZFU && type !== MELA) return { problem: 'the rich-text body is not compressed RTF (unknown type)' };
  if (compSize < HEADER - 4 || compSize + 4 > stream.length) return { problem: 'the rich-text body is cut short (its header says more than it holds)' };
  if (compSize + 4 > MAX_COMPRESSED_RTF) return { problem: `the rich-text body is larger than ${MAX_COMPRESSED_RTF / 1024} KB: kept inside, not read` };
  let rtf: Buffer;
  try {
    rtf = Buffer.from(decompressRTF(Array.from(stream.subarray(0, compSize + 4))));
  } catch (err) {
    return { problem: `the rich-text body could not be decompressed: ${(err as Error).message}` };
  }
  return readRtf(rtf);
}

/** An RTF document as HTML or text (see above); `{ problem }` when it cannot be read. Never throws. */
export function readRtf(rtf: Buffer): RichTextBody | { problem: string } {
  // The reader's time grows with the square of the nesting (25,000 groups deep: minutes); documents nest tens deep.
  if (nestingDepth(rtf) > MAX_RTF_DEPTH) return { problem: `the rich-text body nests groups more than ${MAX_RTF_DEPTH} deep: kept inside, not read` };
  const options = { decode: (b: Buffer, encoding: string) => iconv.decode(b, encoding), warn: () => undefined };
  try {
    const { mode, text } = rtfStreamParser.deEncapsulateSync(rtf, { ...options, mode: 'either' });
    return mode === 'html' ? { html: String(text) } : { text: String(text) };
  } catch {
    // Not wrapped HTML or text: RTF of its own, read as plain text below.
  }
  try {
    const text = runSync(rtf, new ToPlainText(options));
    const links = [...new Set(hyperlinks(rtf))].filter((url) => !text.includes(url));
    return { text: links.length ? `${text.trimEnd()}\n\n${links.join('\n')}\n` : text };
  } catch (err) {
    return { problem: `the rich-text body could not be read: ${(err as Error).message}` };
  }
}

/** Group nesting read at most (Word writes tens). */
export const MAX_RTF_DEPTH = 256;

/** How deep an RTF document's groups nest (`\{` and `\}` are text, not groups). */
function nestingDepth(rtf: Buffer): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < rtf.length; i++) {
    const c = rtf[i];
    if (c === 0x5c) i++; // a backslash: the next byte is escaped (or starts a control word)
    else if (c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d) depth--;
  }
  return deepest;
}

/** The targets of an RTF document's HYPERLINK fields (`\l` ones are places in the document itself). */
function hyperlinks(rtf: Buffer): string[] {
  // Bounded gaps: each \fldinst is looked at for its next 96 characters only (Word puts control words there) (an unbounded lazy gap made a crafted
  // document of many \fldinst quadratic: 30 s for 500 KB).
  return [...rtf.toString('latin1').matchAll(/\\fldinst\s{0,8}\{?[^{}"]{0,96}?HYPERLINK\s{1,8}"([^"\s\\{}]{1,2048})"/g)].map((m) => m[1]!);
}

interface TokenSink {
  _transform(token: unknown, encoding: string, cb: (err?: unknown) => void): void;
  _flush(cb: (err?: unknown) => void): void;
  push(chunk: unknown): boolean;
}

/** Tokenize `rtf` into `sink` at once, as the library's own deEncapsulateSync does, and give what it wrote. */
function runSync(rtf: Buffer, sink: TokenSink): string {
  const rethrow = (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'the RTF reader failed');
  };
  const tokenize = new rtfStreamParser.Tokenize() as unknown as TokenSink & { _transform(chunk: Buffer, encoding: undefined, cb: (err?: unknown) => void): void };
  const chunks: string[] = [];
  tokenize.push = (token) => (sink._transform(token, '', rethrow), true);
  sink.push = (chunk) => (chunks.push(String(chunk)), true);
  tokenize._transform(rtf, undefined, rethrow);
  tokenize._flush(rethrow);
  sink._flush(rethrow);
  return chunks.join('');
}
