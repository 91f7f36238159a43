import { describe, expect, it } from 'vitest';
import { structureProblems } from './mail-checks.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe("a mail's structure", () => {
  it('is judged by its own header blocks: headers pasted into a text, or quoted-printable, are text', () => {
    const pasted = crlf(
      'Subject: see the headers of the phish',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The phish came with these headers:',
      'Content-Type: multipart/alternative; boundary="000000000000abc"',
      'Content-Transfer-Encoding: base64',
      '',
      'this is *not* base64, and the boundary never closes here',
      '',
    );
    expect(structureProblems(pasted)).toEqual([]);
    const qp = crlf('Subject: qp', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Content-Type: multipart/mixed; boundary=3D"x"', '');
    expect(structureProblems(qp)).toEqual([]);
  });

  it('is not faulted for a preamble, an epilogue, or a forwarded mail inside', () => {
    const mail = crlf(
      'Subject: ok',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      'This is a multi-part message in MIME format.',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'R0VUIC9hZG1pbg==',
      '--b',
      'Content-Type: message/rfc822',
      '',
      'Subject: inner',
      'Content-Type: multipart/alternative; boundary="inner"',
      '',
      '--inner',
      'Content-Type: text/plain',
      '',
      'inner text',
      '--inner--',
      '--b--',
      'an epilogue, which is not base64!',
      '',
    );
    expect(structureProblems(mail)).toEqual([]);
  });

  it('finds a forwarded mail cut short, and is quick on a mail of 20,000 base64 parts', () => {
    const cut = crlf('Subject: x', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: multipart/mixed; boundary="inner"', '', '--inner', '', 'x', '--b--', '');
    expect(structureProblems(cut)).toEqual([expect.stringMatching(/^a multipart body never closes \(boundary "inner"\)/)]);
    const parts = Array.from({ length: 20_000 }, () => ['--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=', ''].join('\r\n')).join('');
    const many = Buffer.from(`Subject: many\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`, 'latin1');
    const started = Date.now();
    expect(structureProblems(many)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
