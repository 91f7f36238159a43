import { describe, expect, it } from 'vitest';
import { hugeOutlookItem, loopingOutlookItem, outlookItem } from '../../test/support/outlook-msg.js';
import { isOutlookItem, readOutlookItem } from './outlook-msg.js';

const lure = {
  subject: '【重要】アカウント確認のお願い',
  body: '以下から確認してください: https://secure-login.example-bank.evil.example/jp/\r\n',
  headers: 'Received: from mail.evil.example ([198.51.100.23])\r\n\tby mx.example.jp; Tue, 24 Nov 2026 23:40:00 +0900\r\nFrom: "Bank" <no-reply@evil.example>\r\nMessage-ID: <lure-1@evil.example>\r\n\r\n',
  sender: 'no-reply@evil.example',
};

describe('Outlook items (.msg)', () => {
  it('are compound files named .msg or typed as Outlook items; a Word 97 file is not one', () => {
    const msg = outlookItem(lure);
    expect(isOutlookItem('lure.msg', 'application/octet-stream', msg)).toBe(true);
    expect(isOutlookItem('転送.MSG', 'application/octet-stream', msg)).toBe(true);
    expect(isOutlookItem(null, 'application/vnd.ms-outlook', msg)).toBe(true);
    expect(isOutlookItem('invoice.doc', 'application/msword', msg)).toBe(false);
    expect(isOutlookItem('lure.msg', 'application/octet-stream', Buffer.from('not a compound file'))).toBe(false);
  });

  it('are read for their subject, body, sender and the internet headers of the mail they hold', async () => {
    expect(await readOutlookItem(outlookItem(lure))).toEqual({
      subject: lure.subject,
      body: lure.body,
      bodyHtml: null,
      rtf: null,
      headers: lure.headers,
      senderEmail: 'no-reply@evil.example',
      senderName: null,
      sentAt: null,
      embedded: [],
      embeddedNotRead: 0,
    });
  });

  it('read the items attached to an item too (a forward of a forward), two levels down, and count those deeper', async () => {
    const level = (n: number, inner?: Parameters<typeof outlookItem>[0]) => ({ subject: `level ${n}`, body: `https://level${n}.evil.example/`, headers: '', sender: `l${n}@evil.example`, ...(inner ? { embedded: [inner] } : {}) });
    const item = await readOutlookItem(outlookItem(level(0, level(1, level(2, level(3))))));
    expect(item).toMatchObject({ subject: 'level 0', embedded: [{ subject: 'level 1', body: 'https://level1.evil.example/' }, { subject: 'level 2' }], embeddedNotRead: 1 });
  });

  it('refuse a crafted item before the library sees it: a sector chain that loops, a stream that claims 2 GB', async () => {
    const rss = process.memoryUsage().rss;
    expect(await readOutlookItem(loopingOutlookItem())).toEqual({ problem: 'an Outlook item (.msg) could not be read: the directory chain loops, leaves the file or shares a sector' });
    expect(await readOutlookItem(hugeOutlookItem())).toEqual({ problem: 'an Outlook item (.msg) could not be read: a stream claims more bytes than the file holds' });
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('give up on an item the library cannot finish within their time or memory, and this thread goes on', async () => {
    const started = Date.now();
    // The structure check is what stops a looping item now; the thread's own limits are the guard behind it.
    const result = await readOutlookItem(outlookItem(lure), { timeoutMs: 1, memoryMb: 32 });
    expect(result).toEqual({ problem: expect.stringMatching(/^an Outlook item \(\.msg\) could not be read within 1 ms/) as unknown });
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing of it is left behind: the next item reads.
    expect(await readOutlookItem(outlookItem(lure))).toMatchObject({ subject: lure.subject });
    expect(await readOutlookItem(Buffer.from('garbage'))).toEqual({ problem: expect.stringMatching(/could not be read/) as unknown });
  });
});
