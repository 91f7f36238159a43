import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { plainZip } from '../formats/infected-zip.js';
import { EvidenceFiles, INLINE_MAX } from '../store/evidence-files.js';
import { inboundMailPool, sharedContacts, workerExecArgv } from './inbound-mail-pool.js';
import { generateTeamKey } from '../formats/pgp.js';
import { pgpMimeEncrypted } from '../../test/support/pgp-mail.js';
import { outlookItem } from '../../test/support/outlook-msg.js';
import { readInboundMail, type Envelope, type InboundMail, type PgpSummary } from './inbound-mail.js';

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

const envelope: Envelope = { mailFrom: 'fbl@isp.example', rcptTo: ['abuse@renkei.example'], remoteAddress: '192.0.2.1' };
const route = { address: 'abuse@*', category: null, constituency: null };
const filesUnder = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
/** Attachment ids are made where the mail is read (time-ordered, so never equal twice). */
const withoutIds = (m: InboundMail) => ({ ...m, attachments: m.attachments.map(({ id: _id, ...a }) => a) });

describe('inbound mail pool', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'renkei-inbound-'));
  const files = new EvidenceFiles(dataDir);
  // A failed worker falls back to this thread silently for the sender; here it must not happen at all.
  const workerErrors: unknown[] = [];
  const pool = inboundMailPool(1, files, (err) => workerErrors.push(err));
  afterAll(async () => {
    await pool.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => expect(workerErrors).toEqual([]));

  it('warms up: its threads start and read a mail before the first real one (no timing asserted: these machines are noisy)', async () => {
    await pool.warm();
    expect((await pool.read(arf, envelope, route)).report.input.meta).toMatchObject({ abuseReport: { format: 'arf' } });
  });

  it('makes in a worker thread exactly what the main thread makes', async () => {
    const msg = outlookItem({ subject: 'Verify now', body: 'https://verify.evil.example/login', headers: 'Received: from a.evil.example\r\n\r\n', sender: 'x@evil.example' });
    const withMsg = crlf(['Subject: fwd', 'Content-Type: multipart/mixed; boundary="o"', '', '--o', 'Content-Type: text/plain', '', 'see the item', '--o', 'Content-Type: application/vnd.ms-outlook; name="lure.msg"', 'Content-Transfer-Encoding: base64', '', msg.toString('base64'), '--o--', '']);
    for (const raw of [arf, await withZip(), Buffer.from('not a mail at all\r\n'), withMsg]) {
      const [there, here] = await Promise.all([pool.read(raw, envelope, route), readInboundMail(files, raw, envelope, route)]);
      expect(withoutIds(there)).toEqual(withoutIds(here));
    }
    // An Outlook item is read in its own sandbox thread, from a mail thread too.
    expect((await pool.read(withMsg, envelope, null)).report.observables.map((o) => o.value)).toContain('https://verify.evil.example/login');
  });

  it('keeps the facts the intake records: ARF fields, the zip listing and its text, danger, the template, the observables', async () => {
    const fbl = await pool.read(arf, envelope, route);
    expect(fbl.report.input.meta).toMatchObject({ abuseReport: { format: 'arf', sourceIp: '192.0.2.7', reportedUri: 'https://login-bank.example.net/verify' }, route });
    expect(fbl.report.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['192.0.2.7', 'https://login-bank.example.net/verify']));
    expect(fbl.report.sourceRef).toBe('<arf-1@isp.example>');
    expect(fbl.report.rawSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fbl.facts).toMatchObject({ subject: 'FW: spam report', from: { address: 'fbl@isp.example' } });
    const zipped = await pool.read(await withZip(), envelope, null);
    const zip = zipped.attachments.find((a) => a.filename === 'logs.zip')!;
    expect(zip.note).toMatch(/^ZIP: 2 entries/);
    expect(zip.dangerousReason).toMatch(/invoice\.exe/);
    expect(zipped.report.input.attachmentsText?.join('\n')).toContain('203.0.113.9');
    expect((zipped.report.input.meta as { template: unknown }).template).not.toBeNull();
    expect(zipped.report.terms.length).toBeGreaterThan(0);
  });

  it('writes the large attachments to the evidence store (fsynced) before it answers, and hands the small ones back whole', async () => {
    const read = await pool.read(await withZip(), envelope, null);
    expect(read.attachments).not.toHaveLength(0);
    for (const a of read.attachments) {
      expect(Buffer.isBuffer(a.inline)).toBe(true);
      expect(EvidenceFiles.hashes(a.inline!).sha256).toBe(a.sha256);
    }
    const large = Buffer.alloc(INLINE_MAX + 1, 'L');
    const withLarge = crlf([
      'Subject: capture',
      'Content-Type: multipart/mixed; boundary="c"',
      '',
      '--c',
      'Content-Type: text/plain',
      '',
      'see the capture',
      '--c',
      'Content-Type: application/octet-stream; name="capture.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      large.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--c--',
      '',
    ]);
    const [capture] = (await pool.read(withLarge, envelope, null)).attachments;
    expect(capture!.inline).toBeUndefined();
    expect(files.get(capture!.sha256).equals(large)).toBe(true);
  });

  it('opens a PGP mail in the thread with the keys sent along: decrypted, its signature matched to the directory contact, the same as in this thread', async () => {
    const [team, partner, stranger] = await Promise.all([generateTeamKey('CSIRT', 'report@renkei.example'), generateTeamKey('Partner CERT', 'cert@partner.example'), generateTeamKey('Else', 'else@else.example')]);
    const inner = crlf(['Content-Type: text/plain; charset=utf-8', '', 'phishing at https://secret-kit.example/login from 198.51.100.77', '']).toString();
    const raw = Buffer.from(['From: cert@partner.example', 'Subject: encrypted report', 'Message-ID: <pgp-pool@partner.example>', await pgpMimeEncrypted(inner, team.publicKeyArmored, partner.privateKeyArmored)].join('\r\n'));
    const keys = { teamKeys: [team], contacts: [{ organisationId: 'org-1', organisationName: 'Partner CERT', email: 'cert@partner.example', pgpKey: partner.publicKeyArmored }] };
    const [there, here] = await Promise.all([pool.read(raw, envelope, null, keys), readInboundMail(files, raw, envelope, null, keys)]);
    expect(withoutIds(there)).toEqual(withoutIds(here));
    const pgp = (there.report.input.meta as { pgp: PgpSummary }).pgp;
    expect(pgp).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: true, signature: { status: 'valid', contact: { email: 'cert@partner.example', organisationId: 'org-1' } } });
    expect(there.report.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['https://secret-kit.example/login', '198.51.100.77']));
    // The directory changed (a new list): the thread reads the new one, not the one it has; the old one still reads as it was.
    const moved = { teamKeys: [team], contacts: [{ ...keys.contacts[0]!, organisationId: 'org-2', organisationName: 'Partner CERT (new)' }] };
    const contactOf = async (k: typeof keys) => ((await pool.read(raw, envelope, null, k)).report.input.meta as { pgp: PgpSummary }).pgp.signature.contact;
    expect(await contactOf(moved)).toMatchObject({ organisationId: 'org-2', organisation: 'Partner CERT (new)' });
    expect(await contactOf(keys)).toMatchObject({ organisationId: 'org-1' });
    // Without the team's key: kept as received and flagged, never refused.
    const locked = await pool.read(raw, envelope, null, { teamKeys: [stranger], contacts: [] });
    expect((locked.report.input.meta as { pgp: PgpSummary }).pgp).toMatchObject({ isEncrypted: true, isDecrypted: false });
    expect(locked.report.input.body).not.toContain('secret-kit');
  });

  it("shares a contact list with the threads as one block a list (the directory index's list for a version), not a copy a mail", () => {
    const contacts = [{ organisationId: 'org-1', organisationName: '取引先 CERT', email: 'cert@partner.example', pgpKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n…' }];
    const block = sharedContacts(contacts);
    expect(block.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedContacts(contacts)).toBe(block);
    expect(JSON.parse(Buffer.from(block.bytes).toString('utf8'))).toEqual(contacts);
    const other = sharedContacts([...contacts]);
    expect(other).not.toBe(block);
    expect(other.id).not.toBe(block.id);
  });

  it('answers many mails at once, in order', async () => {
    const mails = Array.from({ length: 40 }, (_, i) => crlf([`Message-ID: <m${i}@x.example>`, `Subject: mail ${i}`, '', `body ${i} from 198.51.100.${i}`, '']));
    const read = await Promise.all(mails.map((m) => pool.read(m, envelope, null)));
    expect(read.map((r) => r.facts.subject)).toEqual(mails.map((_, i) => `mail ${i}`));
  });

  it('refuses a mail too large to be a report as such — not as a failed thread — and writes nothing', async () => {
    const huge = Buffer.concat([crlf(['Subject: huge', 'Content-Type: multipart/mixed; boundary="h"', '', '--h', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', '']), Buffer.alloc(26 * 1024 * 1024, 'QUFB')]);
    const before = filesUnder(dataDir);
    await expect(pool.read(huge, envelope, null)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(filesUnder(dataDir)).toEqual(before);
  });
});

describe('workerExecArgv', () => {
  it("leaves out V8's heap and collector options (the process's own; a worker refuses them) and keeps the rest", () => {
    expect(workerExecArgv(['--max-semi-space-size=8', '--heap-growing-percent=100', '--import', 'tsx'])).toEqual(['--import', 'tsx']);
    expect(workerExecArgv(['--optimize-for-size', '--import=tsx', '--disable-proto=throw', '--conditions', 'dev'])).toEqual(['--import=tsx', '--disable-proto=throw', '--conditions', 'dev']);
  });

  it('adds tsx only when no loader argument is tsx (as the tsx CLI passes it, a path into its package)', () => {
    expect(workerExecArgv(['--cpu-prof', '--enable-source-maps'])).toEqual(['--cpu-prof', '--enable-source-maps', '--import', 'tsx']);
    expect(workerExecArgv(['--import', 'tsx/esm'])).toEqual(['--import', 'tsx/esm']);
    const tsxCli = ['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///app/node_modules/tsx/dist/loader.mjs'];
    expect(workerExecArgv(tsxCli)).toEqual(tsxCli);
  });
});
