import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { tnefAttribute, tnefStream, u16, u32 } from '../../test/support/tnef.js';
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
