import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { plainZip } from './infected-zip.js';
import { mailReaderPool } from './mail-reader-pool.js';
import { readMail } from './mail-reading.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

const arf = crlf([
  'From: fbl@isp.example',
  'To: abuse@renkei.example',
  'Subject: FW: spam report',
  'Message-ID: <arf-1@isp.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=feedback-report; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'This is an abuse report for a phishing mail sent from 192.0.2.7.',
  '--b',
  'Content-Type: message/feedback-report',
  '',
  'Feedback-Type: abuse',
  'User-Agent: Test/1.0',
  'Version: 1',
  'Source-IP: 192.0.2.7',
  'Reported-URI: https://login-bank.example.net/verify',
  '',
  '--b',
  'Content-Type: text/rfc822-headers',
  '',
  'From: "Bank" <no-reply@login-bank.example.net>',
  'Subject: verify your account',
  '',
  '--b--',
  '',
]);

async function withZip(): Promise<Buffer> {
  const zip = await plainZip([
    { path: 'access.log', content: Buffer.from('203.0.113.9 - - "GET /wp-login.php" 200\n') },
    { path: 'invoice.exe', content: Buffer.from('MZ\x90\x00 not really a program') },
  ]);
  return Buffer.concat([
    crlf([
      'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.co.jp>',
      'To: report@renkei.example',
      'Subject: =?UTF-8?B?5LiN5a+p44Gq44OV44Kh44Kk44Or?=',
      'Message-ID: <zip-1@example.co.jp>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="z"',
      '',
      '--z',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '報告者: 山田\r\nインシデントの種類: 不正アクセス\r\n送信元: 203.0.113.9\r\n',
      '--z',
      'Content-Type: application/zip; name="logs.zip"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="logs.zip"',
      '',
      '',
    ]),
    Buffer.from(zip.toString('base64').replace(/.{76}/g, '$&\r\n')),
    crlf(['', '--z--', '']),
  ]);
}

describe('mail reader pool', () => {
  // A failed worker falls back to this thread silently for the sender; here it must not happen at all.
  const workerErrors: unknown[] = [];
  const pool = mailReaderPool(1, (err) => workerErrors.push(err));
  afterAll(() => pool.close());
  afterEach(() => expect(workerErrors).toEqual([]));

  it('warms up: its threads start and read a mail before the first real one (no timing asserted: these machines are noisy)', async () => {
    await pool.warm();
    expect((await pool.read(arf)).abuse?.format).toBe('arf');
  });

  it('reads in a worker thread exactly what the main thread reads, Buffers included', async () => {
    for (const raw of [arf, await withZip(), Buffer.from('not a mail at all\r\n')]) {
      const [there, here] = await Promise.all([pool.read(raw), readMail(raw)]);
      expect(there).toEqual(here);
      for (const a of there.attachments) expect(Buffer.isBuffer(a.content)).toBe(true);
    }
  });

  it('keeps the facts the intake records: ARF fields, the zip listing and its text, danger, the template', async () => {
    const fbl = await pool.read(arf);
    expect(fbl.abuse).toMatchObject({ format: 'arf', sourceIp: '192.0.2.7', reportedUri: 'https://login-bank.example.net/verify' });
    const zipped = await pool.read(await withZip());
    const zip = zipped.attachments.find((a) => a.filename === 'logs.zip')!;
    expect(zip.note).toMatch(/^ZIP: 2 entries/);
    expect(zip.dangerousReason).toMatch(/invoice\.exe/);
    expect(zipped.archiveTexts.join('\n')).toContain('203.0.113.9');
    expect(zipped.template).not.toBeNull();
  });

  it('answers many mails at once, in order', async () => {
    const mails = Array.from({ length: 40 }, (_, i) => crlf([`Message-ID: <m${i}@x.example>`, `Subject: mail ${i}`, '', `body ${i} from 198.51.100.${i}`, '']));
    const read = await Promise.all(mails.map((m) => pool.read(m)));
    expect(read.map((r) => r.mail.subject)).toEqual(mails.map((_, i) => `mail ${i}`));
  });
});
