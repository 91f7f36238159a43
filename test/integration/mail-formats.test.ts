import { readFileSync } from 'node:fs';
import { VECTORS_DIR } from '../support/vectors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import { generateTeamKey } from '../../src/formats/pgp.js';
import { receiveMail } from '../../src/services/mail-intake.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { getReport } from '../../src/services/report.service.js';
import { pgpMimeEncrypted } from '../support/pgp-mail.js';
import { createHarness, type Harness } from '../support/harness.js';
import { zip } from '../support/zip.js';
import { loopingOutlookItem, outlookItem } from '../support/outlook-msg.js';
import { rtfStream, tnefStream } from '../support/tnef.js';
import iconv from 'iconv-lite';
import * as openpgp from 'openpgp';
import { storedBytes } from '../../src/services/evidence-bytes.js';

/** Intake of structured and encrypted mail: ARF / X-ARF fields, PGP/MIME decrypted and verified against the directory. */
let h: Harness;
const smtp = systemActor('smtp');
const envelope = { mailFrom: 'sender@partner.example', rcptTo: ['report@renkei.example'], remoteAddress: '192.0.2.25' };

/** A mail of `headers`, a UTF-8 text part and one attachment in base64. */
const withFile = (headers: string[], text: string, file: { type: string; name: string; content: Buffer }) =>
  Buffer.from(
    [
      ...headers,
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '--b',
      `Content-Type: ${file.type}; name="${file.name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${file.name}"`,
      '',
      file.content.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b--',
      '',
    ].join('\r\n'),
  );
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

const hasVectors = VECTORS_DIR !== undefined;
const VECTORS = new URL(`file://${VECTORS_DIR ?? '/nonexistent'}/`);

describe.skipIf(!hasVectors)('ARF and X-ARF reports (shared vectors)', () => {
  it('reads an ARF feedback report into fields and observables, keeping the original message as evidence', async () => {
    const raw = readFileSync(new URL('arf/comcast-fbl-abuse.eml', VECTORS));
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.meta).toMatchObject({ abuseReport: { format: 'arf', type: 'abuse', sourceIp: '10.17.18.6' } });
    expect(view.observables.find((o) => o.value === '10.17.18.6')).toMatchObject({ type: 'ipv4', isPrivate: true });
    expect(view.attachments.some((a) => a.kind === 'forwarded-message')).toBe(true);
  });
});

describe('filled-in report templates', () => {
  it('reads a Shift_JIS template into structured fields', async () => {
    const body = [
      '■報告者',
      '氏名: 山田 太郎',
      '組織名: 例示株式会社',
      '電子メール: yamada@example.co.jp',
      '■インシデントの種類: Webサイト改ざん',
      '■発見日時: 2026/11/25 09:00 JST',
      '■攻撃先: https://www.example.co.jp/index.html',
      '■送信元: 203.0.113.99',
      '■概要',
      'トップページに不正なスクリプトが埋め込まれていました。',
      '■第三者への開示: 可',
    ].join('\r\n');
    const raw = Buffer.concat([
      Buffer.from('Message-ID: <template-1@example.co.jp>\r\nSubject: report\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n'),
      iconv.encode(body, 'shift_jis'),
    ]);
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.meta).toMatchObject({
      template: { category: 'defacement', detectedAt: '2026-11-25T00:00:00.000Z', mayDisclose: true, reporter: { email: 'yamada@example.co.jp' } },
    });
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['203.0.113.99', 'https://www.example.co.jp/index.html']));
  });
});

describe('archives', () => {
  const withAttachment = (id: string, name: string, content: Buffer) =>
    withFile([`Message-ID: <${id}@example.jp>`, 'Subject: archive'], 'see attached', { type: 'application/zip', name, content });

  it('reads the text files inside a ZIP for observables', async () => {
    const raw = withAttachment('zip-1', 'logs.zip', zip([{ name: 'access.log', content: Buffer.from('GET /wp-login.php from 198.51.100.123\n') }]));
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.observables.map((o) => o.value)).toContain('198.51.100.123');
    expect(view.attachments[0]!.note).toMatch(/^ZIP: 1 entries/);
  });

  it('records a ZIP bomb as such and does not expand it', async () => {
    const bomb = zip([{ name: 'zeros.bin', content: Buffer.alloc(5 * 1024 * 1024) }, { name: 'huge.txt', content: Buffer.from('x'), declaredSize: 0xfffffff0 }]);
    expect(bomb.length).toBeLessThan(42 * 1024);
    const { report } = await receiveMail(h.deps, smtp, withAttachment('zip-2', 'bomb.zip', bomb), envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.attachments[0]!.note).toMatch(/^ZIP BOMB — not expanded/);
    expect((await storedBytes(h.deps, view.attachments[0]!.sha256)).equals(bomb)).toBe(true);
  });
});

describe('Outlook items (.msg)', () => {
  const forwardedAsMsg = (id: string, msg: Buffer) =>
    withFile(
      ['From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <yamada@example.co.jp>', `Message-ID: <${id}@example.co.jp>`, 'Subject: =?UTF-8?B?5LiN5a+p44Gq44Oh44O844Or44KS6Lui6YCB44GX44G+44GZ?='],
      '不審なメールを添付のとおり転送します。',
      { type: 'application/vnd.ms-outlook', name: 'lure.msg', content: msg },
    );
  /** A mail forwarding `msg`, received: the report as read, and the forwarded messages it found. */
  const receiveForwarded = async (id: string, msg: Buffer) => {
    const { report } = await receiveMail(h.deps, smtp, forwardedAsMsg(id, msg), envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    return { view, forwarded: (view.report.meta.mail as { forwarded: { subject: string; from: string; received: string[] }[] }).forwarded };
  };

  it('reads a phishing mail forwarded as an Outlook item like a forwarded message: its headers, Received chain and URLs; keeps it whole', async () => {
    const msg = outlookItem({
      subject: '【重要】アカウント確認のお願い',
      body: '以下から確認してください: https://secure-login.example-bank.evil.example/jp/\r\n',
      headers: 'Received: from mail.evil.example ([198.51.100.23])\r\n\tby mx.example.co.jp; Tue, 24 Nov 2026 23:40:00 +0900\r\nFrom: "Bank" <no-reply@evil.example>\r\nDate: Tue, 24 Nov 2026 23:39:58 +0900\r\nMessage-ID: <lure-1@evil.example>\r\n\r\n',
      sender: 'no-reply@evil.example',
    });
    const { view, forwarded } = await receiveForwarded('msg-1', msg);
    expect(forwarded).toEqual([
      {
        subject: '【重要】アカウント確認のお願い',
        from: 'no-reply@evil.example',
        date: '2026-11-24T14:39:58.000Z',
        messageId: '<lure-1@evil.example>',
        received: ['from mail.evil.example ([198.51.100.23]) by mx.example.co.jp; Tue, 24 Nov 2026 23:40:00 +0900'],
      },
    ]);
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['https://secure-login.example-bank.evil.example/jp/', '198.51.100.23']));
    const [attachment] = view.attachments;
    expect(attachment).toMatchObject({ filename: 'lure.msg', kind: 'forwarded-message' });
    expect((await storedBytes(h.deps, attachment!.sha256)).equals(msg)).toBe(true);
  });

  it("reads the body of a rich-text Outlook item, which holds only compressed RTF: its text and its links' targets", async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}\f0 Please ` +
      String.raw`{\field{\*\fldinst{HYPERLINK "https://verify.example-bank.evil.example/rt"}}{\fldrslt{\ul confirm your account}}} today.\par}`;
    const msg = outlookItem({ subject: 'Confirm', rtf: rtfStream(Buffer.from(rtf, 'latin1')), headers: '', sender: 'no-reply@evil.example' });
    const { view } = await receiveForwarded('msg-rtf', msg);
    expect(view.observables.map((o) => o.value)).toContain('https://verify.example-bank.evil.example/rt');
    expect((view.report.meta as { problems: string[] }).problems).toEqual([]);
    // A broken stream: said, the item kept.
    const broken = await receiveForwarded('msg-rtf-broken', outlookItem({ subject: 'Confirm', rtf: Buffer.from('short'), headers: '', sender: 'no-reply@evil.example' }));
    expect((broken.view.report.meta as { problems: string[] }).problems).toEqual(['an Outlook item: the rich-text body is cut short (no header)']);
    expect(broken.view.attachments.map((a) => a.kind)).toEqual(['forwarded-message']);
  });

  it('reads an Outlook item forwarded inside an Outlook item (a colleague forwarding what a customer forwarded)', async () => {
    const msg = outlookItem({
      subject: 'FW: 不審なメール',
      body: '顧客から転送されたメールです。',
      headers: '',
      sender: 'colleague@example.co.jp',
      embedded: [{ subject: 'Verify your account', body: 'https://inner-lure.evil.example/verify', headers: 'Received: from inner.evil.example ([198.51.100.99])\r\n\r\n', sender: 'no-reply@evil.example' }],
    });
    const { view, forwarded } = await receiveForwarded('msg-3', msg);
    expect(forwarded.map((f) => [f.subject, f.from, f.received])).toEqual([
      ['FW: 不審なメール', 'colleague@example.co.jp', []],
      ['Verify your account', 'no-reply@evil.example', ['from inner.evil.example ([198.51.100.99])']],
    ]);
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['https://inner-lure.evil.example/verify', '198.51.100.99']));
    expect((view.report.meta as { problems: string[] }).problems).toEqual([]);
  });

  it('stores a crafted Outlook item that would make its reader loop, unread, with why; the rest of the mail is read', async () => {
    const crafted = loopingOutlookItem();
    const { view } = await receiveForwarded('msg-2', crafted);
    expect(view.report.body).toContain('不審なメールを添付のとおり転送します。');
    expect((view.report.meta as { problems: string[] }).problems).toEqual([expect.stringMatching(/^an Outlook item \(\.msg\) could not be read/)]);
    expect((await storedBytes(h.deps, view.attachments[0]!.sha256)).equals(crafted)).toBe(true);
  });
});

describe('winmail.dat (TNEF)', () => {
  it('takes out the files Outlook wrapped in winmail.dat, each as evidence of its own, read like any attachment; keeps winmail.dat whole', async () => {
    const logs = zip([{ name: 'access.log', content: Buffer.from('POST /wp-login.php from 198.51.100.77\n') }]);
    const memo = Buffer.from('偽サイト: https://kit.evil.example/login\n');
    const winmail = tnefStream({
      subject: '不審なアクセスの報告',
      attachments: [
        { title: 'LOGS~1.ZIP', longName: 'ログ_2026年11月.zip', mimeType: 'application/zip', content: logs },
        { title: 'memo.txt', mimeType: 'text/plain', content: memo },
      ],
    });
    const raw = withFile(
      ['From: yamada@example.co.jp', 'Message-ID: <tnef-1@example.co.jp>', 'Subject: =?UTF-8?B?5LiN5a+p44Gq44Ki44Kv44K744K544Gu5aCx5ZGK?='],
      'ログを添付します。',
      { type: 'application/ms-tnef', name: 'winmail.dat', content: winmail },
    );
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.attachments.map((a) => [a.filename, a.mimeType, a.kind])).toEqual([
      ['winmail.dat', 'application/ms-tnef', 'attachment'],
      ['ログ_2026年11月.zip', 'application/zip', 'attachment'],
      ['memo.txt', 'text/plain', 'attachment'],
    ]);
    expect(view.attachments[1]!.note).toMatch(/^ZIP: 1 entries/);
    expect((await storedBytes(h.deps, view.attachments[0]!.sha256)).equals(winmail)).toBe(true);
    expect((await storedBytes(h.deps, view.attachments[1]!.sha256)).equals(logs)).toBe(true);
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['198.51.100.77', 'https://kit.evil.example/login']));
    expect((view.report.meta as { problems: string[] }).problems).toEqual([]);
  });

  it("reads a rich-text mail's body from winmail.dat when the mail has none beside it (Exchange sends it so): the link in it becomes an observable", async () => {
    const rtf = Buffer.from(
      String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}\f0 Our staff got this mail. The link goes to ` +
        String.raw`{\field{\*\fldinst{HYPERLINK "https://portal.example-bank.evil.example/signin"}}{\fldrslt{\ul our bank's login page}}}.\par Sender IP 203.0.113.45\par}`,
      'latin1',
    );
    const winmail = tnefStream({ codepage: 1252, subject: 'Phishing', body: { rtf: rtfStream(rtf) }, attachments: [] });
    const raw = Buffer.from(
      [
        'From: it@example.com',
        'Message-ID: <tnef-rtf@example.com>',
        'Subject: Phishing',
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Transfer-Encoding: base64',
        '',
        winmail.toString('base64'),
        '',
      ].join('\r\n'),
    );
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.body).toContain("Our staff got this mail. The link goes to our bank's login page.");
    expect(view.report.body).toContain('https://portal.example-bank.evil.example/signin');
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['https://portal.example-bank.evil.example/signin', '203.0.113.45']));
    expect(view.attachments.map((a) => a.filename)).toEqual(['winmail.dat']);
    expect((view.report.meta as { problems: string[] }).problems).toEqual([]);
  });
});

describe('PGP mail', () => {
  it('decrypts a PGP/MIME report to the team key, verifies it against the contact directory, and keeps the ciphertext', async () => {
    const partner = await generateTeamKey('Partner CSIRT', 'csirt@partner.example');
    await createOrganisation(h.deps, h.actor, {
      name: 'Partner CSIRT',
      kind: 'csirt',
      contacts: [{ email: 'csirt@partner.example', role: 'security', pgpKey: partner.publicKeyArmored, pgpFingerprint: partner.fingerprint }],
    });
    const inner = 'Content-Type: text/plain; charset=utf-8\r\n\r\n標的型攻撃の C2: 198.51.100.200 と https://c2.evil.example/beacon\r\n';
    const raw = Buffer.from(
      [
        'From: csirt@partner.example',
        'To: report@renkei.example',
        'Subject: ...',
        'Message-ID: <pgp-1@partner.example>',
        await pgpMimeEncrypted(inner, h.deps.teamKeys[0]!.publicKeyArmored, partner.privateKeyArmored),
      ].join('\r\n'),
    );
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.body).toContain('標的型攻撃');
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['198.51.100.200', 'https://c2.evil.example/beacon']));
    expect(view.report.meta).toMatchObject({
      pgp: { isEncrypted: true, isDecrypted: true, signature: { status: 'valid', fingerprint: partner.fingerprint, contact: { email: 'csirt@partner.example', organisation: 'Partner CSIRT' } } },
    });
    expect((await h.deps.store.reports.raw({ kind: 'all' }, report.id))!.equals(raw)).toBe(true);
  });

  it('reads inline PGP mail: the decrypted text, then what the sender wrote outside the block (said to be unprotected)', async () => {
    const message = await openpgp.createMessage({ binary: Buffer.from('C2 サーバ: 198.51.100.201\n', 'utf8') });
    const armored = (await openpgp.encrypt({ message, encryptionKeys: await openpgp.readKey({ armoredKey: h.deps.teamKeys[0]!.publicKeyArmored }), format: 'armored' })) as string;
    const raw = Buffer.from(
      ['Message-ID: <pgp-inline@partner.example>', 'Subject: indicators', 'Content-Type: text/plain; charset=utf-8', '', 'Hello team, see below.', '', armored.trimEnd(), '', '-- ', 'Partner CSIRT, +81 3 0000 0000', ''].join('\r\n'),
    );
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.body).toContain('C2 サーバ: 198.51.100.201');
    expect(view.report.body).toContain('Hello team, see below.');
    expect(view.report.body).toContain('Partner CSIRT, +81 3 0000 0000');
    expect(view.report.body).not.toContain('BEGIN PGP MESSAGE');
    expect(view.observables.map((o) => o.value)).toContain('198.51.100.201');
    expect((view.report.meta as { pgp: { problems: string[] } }).pgp.problems).toEqual([expect.stringMatching(/outside the PGP block/)]);
  });

  it('stores mail encrypted to another key, flagged, never dropped', async () => {
    const stranger = await generateTeamKey('Someone', 'someone@else.example');
    const raw = Buffer.from(
      ['Message-ID: <pgp-2@else.example>', 'Subject: for someone else', await pgpMimeEncrypted('Content-Type: text/plain\r\n\r\nsecret', stranger.publicKeyArmored)].join('\r\n'),
    );
    const { report } = await receiveMail(h.deps, smtp, raw, envelope, undefined);
    const view = await getReport(h.deps, h.actor, report.id);
    expect(view.report.meta).toMatchObject({ pgp: { isEncrypted: true, isDecrypted: false } });
    expect(view.report.subject).toBe('for someone else');
  });
});
