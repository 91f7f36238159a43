import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import { receiveMail } from '../../src/services/mail-intake.service.js';
import { getReport } from '../../src/services/report.service.js';
import { storedBytes } from '../../src/services/evidence-bytes.js';
import { iso2022jp } from '../../bench/mail-corpus.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The bad mail of issue #4, each through intake: stored (never dropped, the
 * raw original whole) with a clear reason among the report's problems, and
 * read as far as it can be — a charset label that lies, ISO-2022-JP variants
 * and raw 8-bit Shift_JIS headers, invalid base64, a message cut short, a
 * header line of 1 MB, 10,000 nested parts, an attachment named
 * `../../etc/passwd`.
 */
let h: Harness;
const smtp = systemActor('smtp');
const envelope = { mailFrom: 'sender@example.jp', rcptTo: ['report@renkei.example'], remoteAddress: '192.0.2.30' };
let n = 0;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const lines = (...l: (string | Buffer)[]) => Buffer.concat(l.flatMap((x, i) => [typeof x === 'string' ? Buffer.from(x, 'latin1') : x, ...(i < l.length - 1 ? [Buffer.from('\r\n')] : [])]));
async function receive(raw: Buffer) {
  const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
  const view = await getReport(h.deps, h.actor, report.id);
  expect((await h.deps.store.reports.raw({ kind: 'all' }, report.id))!.equals(raw)).toBe(true);
  return { view, problems: (view.report.meta as { problems: string[] }).problems };
}
const id = () => `Message-ID: <bad-${++n}@example.jp>`;
const JA = 'フィッシングサイトを見つけました: https://bad-mail.evil.example/login';

describe('bad mail', () => {
  it('reads a body whose charset label lies (Shift_JIS said to be ISO-8859-1, UTF-8 or an unknown charset), and says so', async () => {
    for (const label of ['iso-8859-1', 'utf-8', 'x-unknown-charset']) {
      const { view, problems } = await receive(lines(id(), 'Subject: lying label', `Content-Type: text/plain; charset=${label}`, 'Content-Transfer-Encoding: 8bit', '', iconv.encode(JA, 'shift_jis'), ''));
      expect(view.report.body, label).toContain(JA);
      expect(view.report.language, label).toBe('ja');
      expect(problems, label).toEqual([`the text says it is ${label} but is not: read as shift_jis`]);
      expect(view.observables.map((o) => o.value)).toContain('https://bad-mail.evil.example/login');
    }
  });

  it('leaves Western text as it is (French in ISO-8859-1, labelled so or not at all), and mends Latin-1 said to be UTF-8', async () => {
    const fr = 'Hameçonnage reçu : vérifiez https://fr.evil.example/ - réclamation';
    const labelled = await receive(lines(id(), 'Subject: fr', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit', '', Buffer.from(fr, 'latin1'), ''));
    expect(labelled.view.report.body).toContain(fr);
    expect(labelled.problems).toEqual([]);
    const mislabelled = await receive(lines(id(), Buffer.concat([Buffer.from('Subject: '), Buffer.from('Hameçonnage reçu', 'latin1')]), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', Buffer.from(fr, 'latin1'), ''));
    expect(mislabelled.view.report.body).toContain(fr);
    expect(mislabelled.view.report.subject).toBe('Hameçonnage reçu');
    expect(mislabelled.problems).toEqual(['the text says it is utf-8 but is not: read as windows-1252']);
  });

  it('reads ISO-2022-JP variants by their escapes (ISO-2022-JP-MS with NEC row 13: ①), and a raw 8-bit Shift_JIS subject', async () => {
    const ms = await receive(lines(id(), 'Subject: =?ISO-2022-JP?B?GyRCJVUlIyVDJTclcyUwGyhC?=', 'Content-Type: text/plain; charset=ISO-2022-JP-MS', '', iso2022jp(`${JA}\n`), Buffer.from([0x1b, 0x24, 0x42, 0x2d, 0x21, 0x1b, 0x28, 0x42]), ''));
    expect(ms.view.report.body).toContain(JA);
    expect(ms.view.report.body).toContain('①');
    const subject = await receive(lines(id(), Buffer.concat([Buffer.from('Subject: '), iconv.encode('【至急】不審なメール', 'shift_jis')]), 'Content-Type: text/plain; charset=Shift_JIS', '', iconv.encode(JA, 'shift_jis'), ''));
    expect(subject.view.report.subject).toBe('【至急】不審なメール');
    expect(subject.view.report.body).toContain(JA);
  });

  it('keeps a part whose base64 is not base64, decoded as far as it goes, and says where', async () => {
    const { view, problems } = await receive(
      lines(id(), 'Subject: invalid base64', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'log attached, source 198.51.100.90', '--b', 'Content-Type: text/plain; name="log.txt"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="log.txt"', '', 'R0VUIC9hZG1pbg==', 'this is *not* base64 !!', '--b--', ''),
    );
    expect(problems).toEqual([expect.stringMatching(/^a base64 part holds characters that are not base64 \(line 15\)/)]);
    expect(view.attachments.map((a) => a.filename)).toEqual(['log.txt']);
    expect(view.observables.map((o) => o.value)).toContain('198.51.100.90');
  });

  it('keeps a message cut short in the middle of a part, with what could be read', async () => {
    const whole = lines(id(), 'Subject: cut short', 'Content-Type: multipart/mixed; boundary="cut"', '', '--cut', 'Content-Type: text/plain', '', 'the C2 is 203.0.113.77', '--cut', 'Content-Type: application/zip; name="x.zip"', 'Content-Transfer-Encoding: base64', '', 'UEsDBBQAAAAIAAAAIQ', '--cut--', '');
    const cut = whole.subarray(0, whole.indexOf('UEsDBBQ') + 10);
    const { view, problems } = await receive(cut);
    expect(problems).toEqual([expect.stringMatching(/^a multipart body never closes \(boundary "cut"\): the message may be cut short/)]);
    expect(view.observables.map((o) => o.value)).toContain('203.0.113.77');
  });

  it('stores a mail with a header line of 1 MB', async () => {
    const { view } = await receive(lines(id(), 'Subject: long header', `X-Long: ${'a'.repeat(1024 * 1024)}`, '', 'scan from 198.51.100.91', ''));
    expect(view.report.subject).toBe('long header');
    expect(view.observables.map((o) => o.value)).toContain('198.51.100.91');
  });

  it('stores a mail of 10,000 nested parts, read to a depth and said so', async () => {
    const depth = 10_000;
    const open = Array.from({ length: depth }, (_, i) => `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n`).join('');
    const close = Array.from({ length: depth }, (_, i) => `\r\n--n${depth - 1 - i}--`).join('');
    const raw = Buffer.from(`${id()}\r\nSubject: nested\r\n${open}Content-Type: text/plain\r\n\r\ndeep inside 198.51.100.92${close}\r\n`);
    const started = Date.now();
    const { view, problems } = await receive(raw);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(view.report.subject).toBe('nested');
    expect(problems.length).toBeGreaterThan(0);
  }, 60_000);

  it("keeps an attachment named ../../etc/passwd under its last segment only, and the bytes as sent", async () => {
    const content = Buffer.from('root:x:0:0:root:/root:/bin/bash\n');
    const { view } = await receive(
      lines(id(), 'Subject: traversal', 'Content-Type: multipart/mixed; boundary="p"', '', '--p', 'Content-Type: text/plain', '', 'see file', '--p', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="../../etc/passwd"', '', content.toString('base64'), '--p--', ''),
    );
    expect(view.attachments.map((a) => a.filename)).toEqual(['passwd']);
    expect((await storedBytes(h.deps, view.attachments[0]!.sha256)).equals(content)).toBe(true);
  });
});
