import { describe, expect, it } from 'vitest';
import { rtfStream, tnefStream } from '../../test/support/tnef.js';
import { DEFAULT_MAIL_LIMITS, mailHtml, parseMail, readAttachedFiles } from './mail.js';

describe('attached files', () => {
  it('keep a place for every file after a winmail.dat: only what is left over goes to the files inside it', async () => {
    const winmail = tnefStream({ subject: 'x', attachments: Array.from({ length: 5 }, (_, i) => ({ title: `inner${i}.txt`, content: Buffer.from(`inner ${i}`) })) });
    const problems: string[] = [];
    const read = await readAttachedFiles(
      [
        { filename: 'winmail.dat', mimeType: 'application/ms-tnef', content: winmail },
        { filename: 'a.txt', mimeType: 'text/plain', content: Buffer.from('a') },
        { filename: 'b.txt', mimeType: 'text/plain', content: Buffer.from('b') },
      ],
      { ...DEFAULT_MAIL_LIMITS, maxAttachments: 4 },
      problems,
    );
    expect(read.attachments.map((a) => a.filename)).toEqual(['winmail.dat', 'inner0.txt', 'a.txt', 'b.txt']);
    expect(problems).toEqual(['winmail.dat: more than 1 attachments; the rest are kept only inside it']);
  });

  it("read a winmail.dat's body as text: the mail's own text stays its body, the other is read beside it for extraction", async () => {
    const winmail = tnefStream({ subject: 'x', body: { rtf: rtfStream(Buffer.from(String.raw`{\rtf1\ansi\ansicpg1252 rich body http://a.evil.example/\par}`)) }, attachments: [] });
    const mail = (text: string | null) =>
      Buffer.from(
        [
          'Subject: x',
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          ...(text === null ? [] : ['--b', 'Content-Type: text/plain; charset=utf-8', '', text]),
          '--b',
          'Content-Type: application/ms-tnef; name="winmail.dat"',
          'Content-Transfer-Encoding: base64',
          '',
          winmail.toString('base64'),
          '--b--',
          '',
        ].join('\r\n'),
      );
    const both = await parseMail(mail('plain body'));
    expect(both.text.trim()).toBe('plain body');
    expect(both.attachmentsText).toEqual(['rich body http://a.evil.example/\r\n']);
    for (const alone of [await parseMail(mail(null)), await parseMail(mail('  '))]) {
      expect(alone.text).toBe('rich body http://a.evil.example/\r\n');
      expect(alone.attachmentsText).toEqual([]);
    }
  });

  it('a .eml untyped is read as a forwarded mail only when it begins with a header', async () => {
    const problems: string[] = [];
    const read = await readAttachedFiles(
      [
        { filename: 'lure.eml', mimeType: 'application/octet-stream', content: Buffer.from('Subject: verify\r\n\r\nhttps://x.evil.example/\r\n') },
        { filename: 'notes.eml', mimeType: 'application/octet-stream', content: Buffer.from('just some notes\n') },
      ],
      DEFAULT_MAIL_LIMITS,
      problems,
    );
    expect(read.attachments.map((a) => [a.filename, a.mimeType, a.kind])).toEqual([
      ['lure.eml', 'message/rfc822', 'forwarded-message'],
      ['notes.eml', 'application/octet-stream', 'attachment'],
    ]);
    expect(read.forwarded.map((f) => f.subject)).toEqual(['verify']);
  });
});

describe('mailHtml', () => {
  it("gives a mail's HTML version without reading its attachments, and null for none or for what is not MIME", async () => {
    const html = Buffer.from('Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>偽サイト</p>\r\n');
    expect(await mailHtml(html)).toContain('<p>偽サイト</p>');
    expect(await mailHtml(Buffer.from('Subject: x\r\n\r\nplain\r\n'))).toBeNull();
  });
});
