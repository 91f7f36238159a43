import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { rtfStream, tnefAttribute, tnefStream, u16, u32 } from '../../test/support/tnef.js';
import { MAX_COMPRESSED_RTF, readRtf } from './rich-text.js';
import { isTnef, readTnef } from './tnef.js';

const files = [
  { title: 'INVOIC~1.ZIP', longName: '請求書_2026年11月.zip', mimeType: 'application/zip', content: Buffer.from('PK\u0003\u0004 not really a zip') },
  { title: 'access.log', content: Buffer.from('GET /wp-login.php from 198.51.100.7\n') },
];
const winmail = tnefStream({ subject: '不審なメールの報告', attachments: files });

describe('TNEF (winmail.dat)', () => {
  it('is known by its signature, and a name or type saying so', () => {
    expect(isTnef('winmail.dat', 'application/octet-stream', winmail)).toBe(true);
    expect(isTnef(null, 'application/ms-tnef', winmail)).toBe(true);
    expect(isTnef('WINMAIL.DAT', 'application/vnd.ms-tnef', winmail)).toBe(true);
    expect(isTnef('data.bin', 'application/octet-stream', winmail)).toBe(false);
    expect(isTnef('winmail.dat', 'application/ms-tnef', Buffer.from('not TNEF'))).toBe(false);
  });

  it('gives the files inside with their long (Unicode) names, types and bytes, and the subject', () => {
    expect(readTnef(winmail)).toEqual({
      subject: '不審なメールの報告',
      body: null,
      attachments: [
        { filename: '請求書_2026年11月.zip', mimeType: 'application/zip', content: files[0]!.content },
        { filename: 'access.log', mimeType: null, content: files[1]!.content },
      ],
      problems: [],
    });
    // Without a long name: the title, in the file's codepage (932 for Japanese Outlook).
    const titled = readTnef(tnefStream({ subject: 'x', attachments: [{ title: '報告.txt', content: Buffer.from('x') }] }));
    expect(titled.attachments[0]!.filename).toBe('報告.txt');
    // (The title was written in Shift_JIS bytes, which are not UTF-8's.)
    expect(iconv.encode('報告.txt', 'cp932').equals(Buffer.from('報告.txt'))).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/tnef'))("reads what Debian's tnef reads from the same file (install the tnef package to run this)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'renkei-tnef-'));
    try {
      writeFileSync(join(dir, 'winmail.dat'), winmail);
      const out = join(dir, 'out');
      spawnSync('mkdir', [out]);
      const run = spawnSync('tnef', ['-f', join(dir, 'winmail.dat'), '-C', out, '--overwrite'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const theirs = readdirSync(out).sort().map((name) => [name, readFileSync(join(out, name)).toString('hex')]);
      const ours = readTnef(winmail).attachments.map((a) => [a.filename, a.content.toString('hex')]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
      expect(ours).toEqual(theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never throws on a broken file: cut anywhere, a length past the end, a wrong checksum, endless attributes — it says what it could not read', () => {
    for (let cut = 0; cut < winmail.length; cut++) {
      const r = readTnef(winmail.subarray(0, cut));
      expect(r.attachments.length).toBeLessThanOrEqual(2);
      // Whatever it gives is a file of the original (possibly the bytes read before the cut: none are made up).
      for (const a of r.attachments) expect(files.some((f) => f.content.subarray(0, a.content.length).equals(a.content))).toBe(true);
    }
    // Cut inside the first file's bytes: said.
    const inside = winmail.indexOf(files[0]!.content) + 3;
    expect(readTnef(winmail.subarray(0, inside)).problems).toEqual([expect.stringMatching(/more than the file holds|cut short/)]);
    const lying = Buffer.from(winmail);
    lying.writeUInt32LE(0xfffffff0, 6 + 5); // the first attribute's length
    expect(readTnef(lying).problems).toEqual([expect.stringMatching(/more than the file holds/)]);
    const flipped = Buffer.from(winmail);
    flipped[flipped.length - 3]! ^= 0xff; // inside the last attribute's data
    expect(readTnef(flipped).problems).toEqual([expect.stringMatching(/checksum .* does not match; read all the same/)]);
    // 30,000 empty attributes: read up to the cap, quickly.
    const endless = Buffer.concat([winmail.subarray(0, 6), Buffer.alloc(30_000 * 11, 0)]);
    const started = Date.now();
    expect(readTnef(endless).problems).toEqual([expect.stringMatching(/more than 20000 attributes/)]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readTnef(Buffer.from('PK not tnef')).problems).toEqual(['winmail.dat: not a TNEF stream (no signature)']);
    // Attachment properties that claim more than they hold: the bytes are kept, the problem said.
    const props = tnefStream({ subject: 'x', attachments: [{ title: 'a.txt', longName: 'long-name.txt', content: Buffer.from('kept') }] });
    const at = props.lastIndexOf(Buffer.from('long-name', 'utf16le')) - 4;
    props.writeUInt32LE(0x7fffffff, at);
    const r = readTnef(props);
    expect(r.attachments).toEqual([{ filename: 'a.txt', mimeType: null, content: Buffer.from('kept') }]);
    expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/properties of an attachment could not be read/)]));
  });

  it('is not thrown or held up by a named property whose name length wraps around, or that points back at itself', () => {
    // An attachment's properties: one named property (id >= 0x8000) of type PT_UNICODE with a name given by length.
    const named = (nameLength: number) => {
      const props = Buffer.concat([u32(1), u16(0x001f), u16(0x8001), Buffer.alloc(16, 0xab), u32(1), u32(nameLength), Buffer.from('name')]);
      const withProps = tnefStream({ subject: 'x', attachments: [{ title: 'a.txt', content: Buffer.from('kept') }] });
      // Replace the attachment's attAttachment (the last attribute) with these properties.
      const start = withProps.lastIndexOf(Buffer.from([0x02, 0x05, 0x90, 0x06, 0x00]));
      return Buffer.concat([withProps.subarray(0, start), tnefAttribute(2, 0x00069005, props)]);
    };
    for (const length of [0x80000000, 0xfffffffc, 0xfffffff8, 0x7ffffffd, 2 ** 32 - 24]) {
      const started = Date.now();
      const r = readTnef(named(length));
      expect(r.attachments, `name length ${length}`).toEqual([{ filename: 'a.txt', mimeType: null, content: Buffer.from('kept') }]);
      expect(r.problems).toEqual([expect.stringMatching(/properties of an attachment could not be read/)]);
      expect(Date.now() - started).toBeLessThan(500);
    }
  });

  it('stops at the attachment limit and says the rest stay inside', () => {
    const many = tnefStream({ subject: 'x', attachments: Array.from({ length: 5 }, (_, i) => ({ title: `f${i}.txt`, content: Buffer.from(`file ${i}`) })) });
    const r = readTnef(many, { maxAttachments: 3 });
    expect(r.attachments.map((a) => a.filename)).toEqual(['f0.txt', 'f1.txt', 'f2.txt']);
    expect(r.problems).toEqual(['winmail.dat: more than 3 attachments; the rest are kept only inside it']);
  });
});

const OUTLOOK = readFileSync(new URL('../../test/fixtures/tnef/outlook-rich-text.dat', import.meta.url));
const rtf = (s: string) => Buffer.from(s, 'latin1');

describe('TNEF: the message body', () => {
  it("reads a real Outlook rich-text mail's body from its compressed RTF, and its files", () => {
    const r = readTnef(OUTLOOK);
    expect(r.problems).toEqual([]);
    expect(r.body && Object.keys(r.body)).toEqual(['text']);
    expect((r.body as { text: string }).text.match(/Casdasdfasdfasd/g)).toHaveLength(6);
    // No RTF left in the text.
    expect((r.body as { text: string }).text).not.toMatch(/\\(rtf|par|fonttbl)|[{}]/);
    expect(r.attachments.map((a) => [a.filename, a.content.length])).toEqual([
      ['zappa_av1.jpg', 2937],
      ['bookmark.htm', 85805],
    ]);
  });

  it.skipIf(!existsSync('/usr/bin/tnef'))("reads the same body and files as Debian's tnef (install the tnef package to run this)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'renkei-tnef-'));
    try {
      const run = spawnSync('tnef', ['-f', new URL('../../test/fixtures/tnef/outlook-rich-text.dat', import.meta.url).pathname, '-C', dir, '--save-body=body', '--overwrite'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      // Their decompressed RTF, read as ours is: the same text.
      const theirs = readRtf(readFileSync(join(dir, 'body.rtf')));
      expect(readTnef(OUTLOOK).body).toEqual(theirs);
      for (const a of readTnef(OUTLOOK).attachments) expect(readFileSync(join(dir, a.filename!)).equals(a.content)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads rich text in the codepage of its fonts (Japanese Outlook: 932) and keeps the targets of its links', () => {
    const doc = rtf(
      String.raw`{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil\fcharset128 MS Gothic;}}\f0 ` +
        // Every byte of the Shift_JIS text escaped, as Word writes it; then the same in Unicode escapes (with a one-byte fallback).
        [...iconv.encode('フィッシングサイトの報告です。', 'cp932')].map((b) => `\\'${b.toString(16)}`).join('') +
        String.raw`\par\uc1 ` +
        [...'ここをクリック'].map((c) => `\\u${c.charCodeAt(0)}?`).join('') +
        String.raw` {\field{\*\fldinst{HYPERLINK "https://login.example-bank.jp.evil.example/verify?id=1"}}{\fldrslt{\ul link}}}\par` +
        String.raw` {\field{\*\fldinst{HYPERLINK \l "top"}}{\fldrslt top}}\par}`,
    );
    const r = readTnef(tnefStream({ subject: 'x', body: { rtf: rtfStream(doc) }, attachments: [] }));
    expect(r.problems).toEqual([]);
    const text = (r.body as { text: string }).text;
    expect(text).toContain('フィッシングサイトの報告です。\r\nここをクリック link');
    expect(text).toContain('https://login.example-bank.jp.evil.example/verify?id=1');
    // A link to a place in the document is not a target.
    expect(text).not.toContain('"top"');
  });

  it('gives HTML or text that Outlook wrapped in RTF as it was', () => {
    const html = rtf(String.raw`{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}{\*\htmltag64 <html><body>}Visit {\*\htmltag84 <a href="http://phish.example/x">}here{\*\htmltag92 </a>}{\*\htmltag72 </body></html>}}`);
    expect(readTnef(tnefStream({ subject: 'x', body: { rtf: rtfStream(html) }, attachments: [] })).body).toEqual({ html: '<html><body>Visit <a href="http://phish.example/x">here</a></body></html>' });
    const text = rtf(String.raw`{\rtf1\ansi\ansicpg1252\fromtext \deff0{\fonttbl{\f0\fswiss Arial;}}Plain words\par}`);
    expect(readTnef(tnefStream({ subject: 'x', body: { rtf: rtfStream(text) }, attachments: [] })).body).toEqual({ text: 'Plain words\r\n' });
  });

  it('prefers the plain-text body, then the HTML body (in its internet codepage), to the rich text', () => {
    const doc = rtfStream(rtf(String.raw`{\rtf1\ansi\ansicpg1252 rich\par}`));
    expect(readTnef(tnefStream({ subject: 'x', body: { text: '本文です', html: Buffer.from('<p>x</p>'), rtf: doc }, attachments: [] })).body).toEqual({ text: '本文です' });
    expect(readTnef(tnefStream({ subject: 'x', body: { html: iconv.encode('<p>日本語</p>', 'cp932'), cpid: 932, rtf: doc }, attachments: [] })).body).toEqual({ html: '<p>日本語</p>' });
    expect(readTnef(tnefStream({ subject: 'x', body: { html: Buffer.from('<p>日本語</p>'), cpid: 65001 }, attachments: [] })).body).toEqual({ html: '<p>日本語</p>' });
  });

  it('says what it could not read of a broken or crafted rich-text body, keeps the files, and is not held up', () => {
    const file = { title: 'a.txt', content: Buffer.from('kept') };
    const body = (stream: Buffer) => readTnef(tnefStream({ subject: 'x', body: { rtf: stream }, attachments: [file] }));
    const good = rtfStream(rtf(String.raw`{\rtf1\ansi\ansicpg1252 words\par}`));
    const cases: [string, Buffer, RegExp][] = [
      ['no header', good.subarray(0, 10), /cut short \(no header\)/],
      ['a size past the end', Buffer.concat([u32(0x7ffffff0), good.subarray(4)]), /says more than it holds/],
      ['a size below the header', Buffer.concat([u32(3), good.subarray(4)]), /says more than it holds/],
      ['an unknown kind', Buffer.concat([good.subarray(0, 8), u32(0x12345678), good.subarray(12)]), /not compressed RTF/],
      ['not RTF inside', rtfStream(Buffer.from('this is not RTF at all')), /could not be read/],
      ['too large', rtfStream(Buffer.alloc(MAX_COMPRESSED_RTF, 0x20)), /larger than 512 KB/],
    ];
    for (const [what, stream, problem] of cases) {
      const started = Date.now();
      const r = body(stream);
      expect(r.body, what).toBeNull();
      expect(r.problems, what).toEqual([expect.stringMatching(problem)]);
      expect(r.attachments, what).toEqual([{ filename: 'a.txt', mimeType: null, content: Buffer.from('kept') }]);
      expect(Date.now() - started, what).toBeLessThan(1000);
    }
    // Many \fldinst with no link after them (a regex that searched on from each was quadratic), and groups nested
    // 25,000 deep (the reader's time grows with the square of it): said, or read, at once.
    const manyFields = rtf(`{\\rtf1\\ansi\\ansicpg1252 ${'\\fldinst x '.repeat(25_000)} ${'a'.repeat(100_000)}\\par}`);
    const deep = rtf(`{\\rtf1\\ansi\\ansicpg1252 ${'{\\field{\\*\\fldinst x'.repeat(25_000)}\\par}`);
    const began = Date.now();
    expect(readRtf(manyFields)).toEqual({ text: expect.stringContaining('aaaa') as unknown });
    expect(readRtf(deep)).toEqual({ problem: 'the rich-text body nests groups more than 256 deep: kept inside, not read' });
    expect(Date.now() - began).toBeLessThan(3000);
    // Word's fields carry control words before HYPERLINK: the target is found all the same.
    const word = readRtf(rtf(String.raw`{\rtf1\ansi\ansicpg1252 {\field{\*\fldinst {\rtlch\fcs1 \af0 \ltrch\fcs0 HYPERLINK "https://word.evil.example/x" }}{\fldrslt {here}}}\par}`));
    expect(word).toEqual({ text: expect.stringContaining('https://word.evil.example/x') as unknown });
    // LZFu that expands the most it can (each 17 bytes: a control byte and 8 references of 17 bytes each) stays within 8 times its size.
    const bomb = Buffer.concat([Buffer.alloc(16), Buffer.alloc(MAX_COMPRESSED_RTF - 32, Buffer.from([0xff, 0x00, 0x0f]))]);
    bomb.writeUInt32LE(bomb.length - 4, 0);
    bomb.writeUInt32LE(0x75465a4c, 8);
    const started = Date.now();
    const r = body(bomb);
    expect(r.problems).toEqual([expect.stringMatching(/rich-text body could not be read/)]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
