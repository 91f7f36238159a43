import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeMail, checkRecipientKey, newMessageId, PgpKeyError, type OutboundMessage } from './outbound-mail.js';
import { generateTeamKey, openPgpMail, type TeamKey } from './pgp.js';
import { parseMail } from './mail.js';

let team: TeamKey;
let partner: TeamKey;

beforeAll(async () => {
  team = await generateTeamKey('Renkei CSIRT', 'csirt@team.example');
  partner = await generateTeamKey('Partner CSIRT', 'csirt@partner.example');
});

const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  from: { name: 'Renkei CSIRT', address: 'csirt@team.example' },
  to: [{ name: '山田 太郎', address: 'abuse@hosting.example' }],
  subject: '[RK-2026-000123-C1] フィッシングサイト停止のご依頼',
  text: '山田様\n\nhxxps://secure-login[.]example を停止してください。\n行末の空白   \n',
  messageId: newMessageId('team.example'),
  date: new Date('2026-11-25T10:00:00Z'),
  language: 'ja',
  ...over,
});

describe('composeMail', () => {
  it('writes a plain UTF-8 message whose Japanese subject and body read back unchanged', async () => {
    const msg = message({ inReplyTo: 'abc@x.example', references: ['abc@x.example'], headers: { 'Auto-Submitted': 'auto-replied' } });
    const { raw, isSigned, isEncrypted } = await composeMail(msg);
    expect([isSigned, isEncrypted]).toEqual([false, false]);
    const parsed = await parseMail(raw);
    expect(parsed.subject).toBe(msg.subject);
    expect(parsed.text).toContain('hxxps://secure-login[.]example を停止してください。');
    expect(parsed.messageId).toBe(`<${msg.messageId}>`);
    expect(parsed.inReplyTo).toBe('<abc@x.example>');
    expect(raw.toString('latin1')).toMatch(/^Auto-Submitted: auto-replied\r$/m);
  });

  it('signs with RFC 3156 multipart/signed; the signature verifies over the exact part', async () => {
    const { raw, isSigned } = await composeMail(message(), { signWith: team });
    expect(isSigned).toBe(true);
    expect(raw.toString('latin1')).toMatch(/Content-Type: multipart\/signed; micalg=pgp-sha256;/);
    const opened = await openPgpMail(raw, [partner], [team.publicKeyArmored]);
    expect(opened.kind).toBe('pgp-mime-signed');
    expect(opened.signature.status).toBe('valid');
    expect(opened.signature.fingerprint).toBe(team.fingerprint);
    const parsed = await parseMail(raw);
    expect(parsed.text).toContain('行末の空白');
  });

  it('signs a message with attachments (multipart/mixed inside multipart/signed)', async () => {
    const attachments = [{ filename: 'evidence.html', contentType: 'text/html', content: Buffer.from('<html>phish</html>') }];
    const { raw } = await composeMail(message({ attachments }), { signWith: team });
    const opened = await openPgpMail(raw, [partner], [team.publicKeyArmored]);
    expect(opened.signature.status).toBe('valid');
    const inner = await parseMail(opened.content!);
    expect(inner.attachments.map((a) => a.filename)).toEqual(['evidence.html']);
  });

  it('encrypts to the recipient (and the team), signed inside; the recipient decrypts and verifies', async () => {
    const { raw, isEncrypted, isSigned } = await composeMail(message(), { signWith: team, encryptTo: [partner.publicKeyArmored] });
    expect([isSigned, isEncrypted]).toEqual([true, true]);
    expect(raw.toString('utf8')).not.toContain('停止してください');
    const asPartner = await openPgpMail(raw, [partner], [team.publicKeyArmored]);
    expect(asPartner.isDecrypted).toBe(true);
    expect(asPartner.signature.status).toBe('valid');
    const inner = await parseMail(asPartner.content!);
    expect(inner.text).toContain('停止してください');
    // The team can read its own sent copy.
    const asTeam = await openPgpMail(raw, [team], [team.publicKeyArmored]);
    expect(asTeam.isDecrypted).toBe(true);
  });

  it('refuses a broken recipient key with a clear error, before anything is sent', async () => {
    await expect(composeMail(message(), { signWith: team, encryptTo: ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbroken\n-----END PGP PUBLIC KEY BLOCK-----'] })).rejects.toBeInstanceOf(PgpKeyError);
    expect((await checkRecipientKey('not a key')).ok).toBe(false);
    expect(await checkRecipientKey(partner.publicKeyArmored)).toEqual({ ok: true, fingerprint: partner.fingerprint });
  });

  const gpg = ['/usr/bin/gpg', '/usr/bin/gpg2'].find((p) => existsSync(p));
  it.skipIf(!gpg)('produces a signature GnuPG verifies', async () => {
    const { raw } = await composeMail(message(), { signWith: team });
    const home = mkdtempSync(join(tmpdir(), 'renkei-gpg-'));
    try {
      writeFileSync(join(home, 'team.asc'), team.publicKeyArmored);
      execFileSync(gpg!, ['--homedir', home, '--batch', '--import', join(home, 'team.asc')], { stdio: 'ignore' });
      // Cut the signed part and the signature out of the message by its boundary.
      const text = raw.toString('latin1');
      const boundary = /boundary="?([^";\r\n]+)"?/.exec(text)![1]!;
      const parts = text.split(`--${boundary}`);
      const signed = parts[1]!.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const sig = /-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/.exec(parts[2]!)![0];
      writeFileSync(join(home, 'part'), Buffer.from(signed, 'latin1'));
      writeFileSync(join(home, 'part.asc'), sig);
      execFileSync(gpg!, ['--homedir', home, '--batch', '--verify', join(home, 'part.asc'), join(home, 'part')], { stdio: 'pipe' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
