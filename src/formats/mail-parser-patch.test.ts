import { afterEach, describe, expect, it, vi } from 'vitest';
import PostalMime from 'postal-mime';

/**
 * patches/postal-mime+4.0.0.patch: bodies are joined without a Blob round trip
 * and base64 is decoded by Node. Without the patch, a parse makes a Blob per part.
 */
describe('postal-mime as patched for Node (patches/README.md)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads 7bit, quoted-printable and base64 parts without making a Blob, byte for byte', async () => {
    vi.stubGlobal('Blob', function NoBlob() {
      throw new Error('postal-mime made a Blob: is patches/postal-mime+4.0.0.patch applied?');
    });
    const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
    const mail = [
      'From: reporter@example.jp',
      'Subject: patched',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'plain line one',
      'plain line two',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>caf=C3=A9 =E5=A0=B1=E5=91=8A</p>',
      '--b',
      'Content-Type: application/octet-stream; name="sample.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="sample.bin"',
      '',
      ...(binary.toString('base64').match(/.{1,76}/g) ?? []),
      '--b--',
      '',
    ].join('\r\n');
    const email = await PostalMime.parse(mail, { attachmentEncoding: 'arraybuffer' });
    expect(email.text).toContain('plain line one\nplain line two\n');
    expect(email.html).toContain('<p>café 報告</p>');
    expect(email.attachments).toHaveLength(1);
    expect(Buffer.from(email.attachments[0]!.content as ArrayBuffer).equals(binary)).toBe(true);
  });

  it('keeps decoding base64 bodies whose lines carry their own padding', async () => {
    vi.stubGlobal('Blob', function NoBlob() {
      throw new Error('postal-mime made a Blob');
    });
    const parts = ['first ', 'second', '!'].map((s) => Buffer.from(s).toString('base64')); // each padded on its own line
    const mail = ['Subject: padded', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', ...parts, ''].join('\r\n');
    expect((await PostalMime.parse(mail)).text).toBe('first second!');
  });
});
