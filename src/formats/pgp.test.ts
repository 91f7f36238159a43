import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import * as openpgp from 'openpgp';
import type { PrivateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, generateTeamKey, importTeamKey, openPgpMail, type TeamKey } from './pgp.js';
import { VECTORS_DIR } from '../../test/support/vectors.js';
import { iso2022jp } from '../../bench/mail-corpus.js';

const VECTORS = join(VECTORS_DIR ?? '/nonexistent', 'pgp-mime');
const hasVectors = existsSync(join(VECTORS, 'SOURCES.md'));
const vector = (name: string) => readFileSync(join(VECTORS, name));
const vectorText = (name: string) => readFileSync(join(VECTORS, name), 'utf8');

const ALICE_FPR = 'EB85BB5FA33A75E15E944E63F231550C4F47E38E';
const BOB_FPR = 'D1A66E1A23B182C9980F788CFBFCC82A015E7330';
const PMCRYPTO_FPR = '82A58CA75D6F695D79DA95C402981ACD996BBBB3';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

const INNER_ENTITY = [
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Phishing site at hxxp://login-example[.]test — 不審なサイトです。',
  'Trailing spaces stay.   ',
  '',
].join('\r\n');

function pgpMimeEncrypted(armored: string): Buffer {
  return crlf([
    'From: sender@example.net',
    'To: csirt@example.org',
    'Subject: ...',
    'MIME-Version: 1.0',
    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";',
    ' boundary="enc-boundary"',
    '',
    'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)',
    '--enc-boundary',
    'Content-Type: application/pgp-encrypted',
    '',
    'Version: 1',
    '',
    '--enc-boundary',
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    '',
    armored.trimEnd().replace(/\r?\n/g, '\r\n'),
    '',
    '--enc-boundary--',
    '',
  ]);
}

function pgpMimeSigned(entity: string, armoredSignature: string, outerHeaders = true): Buffer {
  return crlf([
    ...(outerHeaders ? ['From: sender@example.net', 'To: csirt@example.org', 'Subject: signed report', 'MIME-Version: 1.0'] : []),
    'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature";',
    ' boundary="sig-boundary"',
    '',
    'This is an OpenPGP/MIME signed message (RFC 4880 and 3156)',
    '--sig-boundary',
    entity,
    '--sig-boundary',
    'Content-Type: application/pgp-signature; name="signature.asc"',
    '',
    armoredSignature.trimEnd().replace(/\r?\n/g, '\r\n'),
    '',
    '--sig-boundary--',
    '',
  ]);
}

function plainMail(body: string, headers: string[] = ['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit']): Buffer {
  return crlf(['From: sender@example.net', 'To: csirt@example.org', 'Subject: report', 'MIME-Version: 1.0', ...headers, '', body.replace(/\r?\n/g, '\r\n')]);
}

async function detachedSignature(entity: string, key: PrivateKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: Buffer.from(entity, 'utf8') });
  // openpgp's stream-aware result types need @openpgp/web-stream-tools; without it they are `any`.
  return (await openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' })) as string;
}

async function encryptTo(data: string | Buffer, recipient: string, signer?: PrivateKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: typeof data === 'string' ? Buffer.from(data, 'utf8') : data });
  const encryptionKeys = await openpgp.readKey({ armoredKey: recipient });
  return (await openpgp.encrypt({ message, encryptionKeys, ...(signer ? { signingKeys: signer } : {}), format: 'armored' })) as string;
}

function flipBase64(armored: string, line: number): string {
  const lines = armored.split('\n');
  const i = lines.findIndex((l, n) => n > 0 && l.length > 40) + line;
  lines[i] = lines[i]!.replace(/[A-Za-z0-9]/, (c) => (c === 'A' ? 'B' : 'A'));
  return lines.join('\n');
}

describe('team key', () => {
  it('generates a v4 curve25519 key pair that GnuPG 2.2 can use', async () => {
    const team = await generateTeamKey('Renkei CSIRT', 'csirt@example.org');
    expect(team.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(team.userIds).toEqual(['Renkei CSIRT <csirt@example.org>']);
    const key = await openpgp.readPrivateKey({ armoredKey: team.privateKeyArmored });
    expect(key.keyPacket.version).toBe(4);
    expect(key.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(key.subkeys.map((s) => s.getAlgorithmInfo())).toEqual([{ algorithm: 'ecdh', curve: 'curve25519Legacy' }]);
    expect(team.publicKeyArmored).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(team.publicKeyArmored).not.toContain('PRIVATE');
    expect(await fingerprintOf(team.publicKeyArmored)).toBe(team.fingerprint);
    expect((await importTeamKey(team.privateKeyArmored)).fingerprint).toBe(team.fingerprint);
  });

  it('refuses a user ID that is not an address, with a clear message', async () => {
    await expect(generateTeamKey('CSIRT', 'not an address')).rejects.toThrow(/cannot generate a team key .*not an address/);
  });

  it('imports a passphrase-protected key, and returns it unlocked', async () => {
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ email: 'csirt@example.org' }], passphrase: 'correct horse', format: 'armored' });
    await expect(importTeamKey(privateKey)).rejects.toThrow(/protected by a passphrase/);
    await expect(importTeamKey(privateKey, 'wrong')).rejects.toThrow(/passphrase does not unlock/);
    const team = await importTeamKey(privateKey, 'correct horse');
    expect((await openpgp.readPrivateKey({ armoredKey: team.privateKeyArmored })).isDecrypted()).toBe(true);
    expect(team.userIds).toEqual(['<csirt@example.org>']);
  });

  it('says what is wrong with a key that is not a private key', async () => {
    const team = await generateTeamKey('CSIRT', 'csirt@example.org');
    await expect(importTeamKey(team.publicKeyArmored)).rejects.toThrow(/public key; the team key must be the private/);
    await expect(importTeamKey('hello')).rejects.toThrow(/not an armored OpenPGP private key/);
    await expect(importTeamKey(team.privateKeyArmored.slice(0, 200))).rejects.toThrow(/not an armored OpenPGP private key/);
  });

  it('fingerprintOf is undefined for anything but a key', async () => {
    expect(await fingerprintOf('')).toBeUndefined();
    expect(await fingerprintOf('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n')).toBeUndefined();
  });
});

describe.skipIf(!hasVectors)(`PGP/MIME vectors${hasVectors ? '' : ` — SKIPPED: ${VECTORS} is missing`}`, () => {
  let alice: TeamKey;
  const bob = () => vectorText('bob-public.asc');
  const pmcrypto = () => vectorText('pmcrypto-signer-public.asc');

  beforeAll(async () => {
    alice = await importTeamKey(vectorText('alice-secret.asc'));
  });

  it('imports Alice\'s key from draft-bre-openpgp-samples', () => {
    expect(alice.fingerprint).toBe(ALICE_FPR);
    expect(alice.userIds).toEqual(['Alice Lovelace <alice@openpgp.example>']);
  });

  it('decrypts Thunderbird\'s multipart/encrypted with Alice\'s key (this vector is unsigned)', async () => {
    const opened = await openPgpMail(vector('tb-bob-encrypted-to-alice.eml'), [alice], [bob()]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: true, contentIsMime: true, problems: [] });
    const inner = opened.content!.toString('utf8');
    expect(inner).toMatch(/^Content-Type: multipart\/mixed;/);
    expect(inner).toContain('Subject: Unsigned Encrypted');
    expect(inner).toContain('Sundays are nothing without callaloo.');
    // The file is Thunderbird's "unsigned-encrypted-…" test mail: there is no inner signature to verify.
    expect(opened.signature.status).toBe('none');
  });

  const signedEncrypted = 'tb-bob-signed-encrypted-to-alice.eml';
  it.skipIf(!existsSync(join(VECTORS, signedEncrypted)))(`verifies Bob's signature inside an encrypted mail (needs ${signedEncrypted})`, async () => {
    const opened = await openPgpMail(vector(signedEncrypted), [alice], [bob()]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-encrypted', isDecrypted: true });
    expect(opened.signature).toMatchObject({ status: 'valid', fingerprint: BOB_FPR, keyId: 'FBFCC82A015E7330' });
  });

  it('verifies Thunderbird\'s multipart/signed with Bob\'s key, over the raw first part', async () => {
    const opened = await openPgpMail(vector('tb-bob-signed-to-alice.eml'), [alice], [bob()]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-signed', isEncrypted: false, isDecrypted: false, contentIsMime: true, problems: [] });
    expect(opened.signature).toEqual({ status: 'valid', fingerprint: BOB_FPR, keyId: 'FBFCC82A015E7330', signedAt: '2020-10-14T18:21:06.000Z' });
    expect(opened.content!.toString('utf8')).toMatch(/^Content-Type: multipart\/mixed; boundary="PNIE8wtZaKiN071KjiT0rwF4fNeu8GK6i";\r\n/);
    expect(opened.content!.toString('utf8')).toMatch(/--PNIE8wtZaKiN071KjiT0rwF4fNeu8GK6i--\r\n$/);
  });

  it('calls the same mail unknown-key without Bob\'s key', async () => {
    const opened = await openPgpMail(vector('tb-bob-signed-to-alice.eml'), [alice], [pmcrypto()]);
    expect(opened.signature).toMatchObject({ status: 'unknown-key', keyId: 'FBFCC82A015E7330', fingerprint: BOB_FPR });
  });

  it('finds one altered byte in the signed part', async () => {
    const raw = vectorText('tb-bob-signed-to-alice.eml').replace('nothing without callaloo', 'nothing without callalo0');
    const opened = await openPgpMail(Buffer.from(raw), [alice], [bob()]);
    expect(opened.signature).toMatchObject({ status: 'invalid', fingerprint: BOB_FPR });
    expect(opened.problems.join('\n')).toMatch(/does not verify/);
  });

  it('verifies the pmcrypto multipart/signed with its signer key (blank line before the signature headers)', async () => {
    const opened = await openPgpMail(vector('pmcrypto-multipart-signed.eml'), [alice], [pmcrypto()]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-signed', contentIsMime: true });
    expect(opened.signature).toMatchObject({ status: 'valid', fingerprint: PMCRYPTO_FPR, keyId: '02981ACD996BBBB3' });
    // OpenPGP.js 4 signed it with trailing whitespace stripped, which is said rather than hidden.
    expect(opened.problems).toEqual([expect.stringMatching(/trailing whitespace/)]);
    expect(opened.content!.toString('latin1')).toMatch(/^Content-Type: text\/plain; charset=iso-8859-1\r\n/);
    expect((await openPgpMail(vector('pmcrypto-multipart-signed.eml'), [alice], [])).signature.status).toBe('unknown-key');
  });

  it('reads the inline clearsigned UTF-8 mail; its signer key is not in the vectors', async () => {
    const opened = await openPgpMail(vector('tb-inline-signed-utf8.eml'), [alice], [bob(), pmcrypto()]);
    expect(opened).toMatchObject({ kind: 'inline-signed', isEncrypted: false, contentIsMime: false, problems: [] });
    expect(opened.content!.toString('utf8')).toBe('àèìòù');
    expect(opened.signature).toEqual({
      status: 'unknown-key',
      fingerprint: 'D2A760109A51DFAF3D42BD4C0E27928F241B4D20',
      keyId: '0E27928F241B4D20',
      signedAt: '2024-05-27T08:45:13.000Z',
    });
  });

  it('keeps a mail for another key as received, flagged', async () => {
    const other = await generateTeamKey('Other', 'other@example.org');
    const opened = await openPgpMail(vector('tb-bob-encrypted-to-alice.eml'), [other], [bob()]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: false, content: null });
    expect(opened.problems).toEqual([expect.stringMatching(/encrypted to another key \(key IDs 7C2FAA4DF93C37B2, 4766F6B9D5F21EB6\)/)]);
  });
});

describe('openPgpMail on messages made here', () => {
  let team: TeamKey;
  let sender: PrivateKey;
  let senderPublic: string;

  beforeAll(async () => {
    team = await generateTeamKey('Renkei CSIRT', 'csirt@example.org');
    const pair = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: 'reporter@example.net' }], format: 'object' });
    sender = pair.privateKey;
    senderPublic = pair.publicKey.armor();
  });

  it('opens RFC 3156 encrypted+signed mail to the team key', async () => {
    const raw = pgpMimeEncrypted(await encryptTo(INNER_ENTITY, team.publicKeyArmored, sender));
    const opened = await openPgpMail(raw, [team], [senderPublic]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: true, contentIsMime: true, problems: [] });
    expect(opened.content!.toString('utf8')).toBe(INNER_ENTITY);
    expect(opened.signature).toMatchObject({ status: 'valid', fingerprint: sender.getFingerprint().toUpperCase(), keyId: sender.getKeyID().toHex().toUpperCase() });
    expect(Date.parse(opened.signature.signedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await openPgpMail(raw, [team], [])).signature.status).toBe('unknown-key');
  });

  it('picks the signer among many directory keys by the key ID the signature names, and reads only the keys it needs', async () => {
    const others = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => (await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ email: `contact${i}@example.net` }], format: 'object' })).publicKey.armor()),
    );
    const directory = [...others.slice(0, 6), 'not a key at all', senderPublic, ...others.slice(6)];
    // Signed inside the encryption, detached, and as a whole: each finds the sender's key among the others.
    const encrypted = await openPgpMail(pgpMimeEncrypted(await encryptTo(INNER_ENTITY, team.publicKeyArmored, sender)), [team], directory);
    const detached = await openPgpMail(pgpMimeSigned(INNER_ENTITY, await detachedSignature(INNER_ENTITY, sender), false), [team], directory);
    for (const opened of [encrypted, detached]) {
      expect(opened.signature).toMatchObject({ status: 'valid', fingerprint: sender.getFingerprint().toUpperCase() });
      // The unreadable entry is said once, not as a failure of the signature.
      expect(opened.problems).toEqual(['a contact public key cannot be read and was skipped']);
    }
    // Not signed: no contact key is read at all, so the unreadable one is never met.
    const unsigned = await openPgpMail(pgpMimeEncrypted(await encryptTo(INNER_ENTITY, team.publicKeyArmored)), [team], directory);
    expect(unsigned).toMatchObject({ isDecrypted: true, signature: { status: 'none' }, problems: [] });
    // A signer not in the directory stays unknown, whatever else is there.
    expect((await openPgpMail(pgpMimeEncrypted(await encryptTo(INNER_ENTITY, team.publicKeyArmored, sender)), [team], others)).signature.status).toBe('unknown-key');
  });

  it('opens sign-then-encrypt (multipart/signed inside multipart/encrypted)', async () => {
    const signed = pgpMimeSigned(INNER_ENTITY, await detachedSignature(INNER_ENTITY, sender), false).toString('utf8');
    const opened = await openPgpMail(pgpMimeEncrypted(await encryptTo(signed, team.publicKeyArmored)), [team], [senderPublic]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-encrypted', isDecrypted: true, contentIsMime: true, problems: [] });
    expect(opened.signature.status).toBe('valid');
    expect(opened.content!.toString('utf8')).toBe(INNER_ENTITY);
  });

  it('verifies multipart/signed as sent (CRLF) and as stored by a Unix tool (LF)', async () => {
    const raw = pgpMimeSigned(INNER_ENTITY, await detachedSignature(INNER_ENTITY, sender));
    expect((await openPgpMail(raw, [team], [senderPublic])).signature.status).toBe('valid');
    const lf = Buffer.from(raw.toString('utf8').replace(/\r\n/g, '\n'));
    const opened = await openPgpMail(lf, [team], [senderPublic]);
    expect(opened.signature.status).toBe('valid');
    expect(opened.content!.toString('utf8')).toBe(INNER_ENTITY);
  });

  it('finds one byte altered in the signed part, including trailing whitespace', async () => {
    const raw = pgpMimeSigned(INNER_ENTITY, await detachedSignature(INNER_ENTITY, sender)).toString('utf8');
    const altered = await openPgpMail(Buffer.from(raw.replace('login-example', 'login-exampla')), [team], [senderPublic]);
    expect(altered.signature.status).toBe('invalid');
    // A binary signature over the exact bytes: even whitespace counts.
    const spaced = await openPgpMail(Buffer.from(raw.replace('stay.   ', 'stay.  ')), [team], [senderPublic]);
    expect(spaced.signature.status).toBe('invalid');
  });

  it('finds PGP/MIME that a mailing list wrapped in multipart/mixed, and says the footer is not covered', async () => {
    const signed = pgpMimeSigned(INNER_ENTITY, await detachedSignature(INNER_ENTITY, sender), false).toString('utf8');
    const raw = crlf(['From: list@example.org', 'Content-Type: multipart/mixed; boundary="list"', '', '--list', signed, '--list', 'Content-Type: text/plain', '', 'list footer', '--list--', '']);
    const opened = await openPgpMail(raw, [team], [senderPublic]);
    expect(opened).toMatchObject({ kind: 'pgp-mime-signed', signature: { status: 'valid' }, problems: [expect.stringMatching(/wrapped in multipart\/mixed/)] });
  });

  it('flags a team key still locked by its passphrase instead of failing', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ email: 'csirt@example.org' }], passphrase: 'pw', format: 'armored' });
    const locked: TeamKey = { privateKeyArmored: privateKey, publicKeyArmored: publicKey, fingerprint: 'LOCKED', userIds: [] };
    const opened = await openPgpMail(pgpMimeEncrypted(await encryptTo(INNER_ENTITY, publicKey)), [locked], []);
    expect(opened).toMatchObject({ isEncrypted: true, isDecrypted: false });
    expect(opened.problems.join('\n')).toMatch(/team key LOCKED is locked by a passphrase/);
  });

  it('flags a corrupt or truncated signature without throwing', async () => {
    const sig = await detachedSignature(INNER_ENTITY, sender);
    const corrupt = await openPgpMail(pgpMimeSigned(INNER_ENTITY, flipBase64(sig, 0)), [team], [senderPublic]);
    expect(corrupt).toMatchObject({ kind: 'pgp-mime-signed', signature: { status: 'invalid' } });
    expect(corrupt.content!.toString('utf8')).toBe(INNER_ENTITY);
    expect(corrupt.problems.length).toBeGreaterThan(0);
    const lines = sig.trimEnd().split('\n');
    const truncated = await openPgpMail(pgpMimeSigned(INNER_ENTITY, lines.slice(0, 4).join('\n')), [team], [senderPublic]);
    expect(truncated).toMatchObject({ kind: 'pgp-mime-signed', signature: { status: 'invalid' } });
    expect(truncated.problems.join('\n')).toMatch(/signature/);
    const missing = await openPgpMail(pgpMimeSigned(INNER_ENTITY, 'no signature here'), [team], [senderPublic]);
    expect(missing.signature.status).toBe('invalid');
  });

  it('flags PGP/MIME for another key, and broken armor, keeping the mail', async () => {
    const other = await generateTeamKey('Other', 'other@example.org');
    const forOther = await openPgpMail(pgpMimeEncrypted(await encryptTo(INNER_ENTITY, other.publicKeyArmored, sender)), [team], [senderPublic]);
    expect(forOther).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: false, content: null, signature: { status: 'none' } });
    expect(forOther.problems.join('\n')).toMatch(/encrypted to another key .*not to a team key/);

    const armored = await encryptTo(INNER_ENTITY, team.publicKeyArmored);
    const broken = await openPgpMail(pgpMimeEncrypted(flipBase64(armored, 2)), [team], []);
    expect(broken).toMatchObject({ kind: 'pgp-mime-encrypted', isEncrypted: true, isDecrypted: false, content: null });
    expect(broken.problems.length).toBeGreaterThan(0);

    const noKeys = await openPgpMail(pgpMimeEncrypted(armored), [], []);
    expect(noKeys).toMatchObject({ isEncrypted: true, isDecrypted: false, problems: [expect.stringMatching(/no team key/)] });
  });

  it('opens inline encrypted+signed text, and says what was outside the block', async () => {
    const armored = await encryptTo('Indicators:\n198.51.100.7\n', team.publicKeyArmored, sender);
    const opened = await openPgpMail(plainMail(`Hello,\n\n${armored}\n-- \nsent from a phone\n`), [team], [senderPublic]);
    expect(opened).toMatchObject({ kind: 'inline-encrypted', isEncrypted: true, isDecrypted: true, contentIsMime: false });
    expect(opened.content!.toString('utf8')).toBe('Indicators:\n198.51.100.7\n');
    expect(opened.signature.status).toBe('valid');
    expect(opened.problems).toEqual([expect.stringMatching(/outside the PGP block/)]);
  });

  it("reads inline encrypted Japanese in the charset the sender's client wrote it in", async () => {
    const text = 'フィッシングサイト: https://jp.evil.example/\n';
    const cases: [string, Buffer, string][] = [
      ['Shift_JIS bytes, the part says Shift_JIS', iconv.encode(text, 'shift_jis'), 'Shift_JIS'],
      ['EUC-JP bytes, the part says nothing', iconv.encode(text, 'euc-jp'), 'us-ascii'],
      ['ISO-2022-JP bytes (its escapes), the part says ISO-2022-JP', iso2022jp(text), 'ISO-2022-JP'],
      ['UTF-8 bytes, the part says ISO-2022-JP (the armor is ASCII)', Buffer.from(text, 'utf8'), 'ISO-2022-JP'],
    ];
    // Western text stays Western: French in ISO-8859-1 is not read as Japanese.
    const fr = 'Hameçonnage reçu : vérifiez https://fr.evil.example/\n';
    const french = await openPgpMail(plainMail(await encryptTo(Buffer.from(fr, 'latin1'), team.publicKeyArmored), ['Content-Type: text/plain; charset=ISO-8859-1']), [team], []);
    expect(french.content!.toString('utf8')).toBe(fr);
    for (const [what, bytes, charset] of cases) {
      const armored = await encryptTo(bytes, team.publicKeyArmored);
      const opened = await openPgpMail(plainMail(armored, [`Content-Type: text/plain; charset=${charset}`, 'Content-Transfer-Encoding: 7bit']), [team], []);
      expect(opened.content!.toString('utf8'), what).toBe(text);
    }
  });

  it('flags inline PGP with broken armor, or for another key', async () => {
    const broken = await openPgpMail(plainMail('-----BEGIN PGP MESSAGE-----\n\nnot base64 at all!!\n-----END PGP MESSAGE-----\n'), [team], []);
    expect(broken).toMatchObject({ kind: 'inline-encrypted', isEncrypted: true, isDecrypted: false, content: null });
    expect(broken.problems.join('\n')).toMatch(/broken armor/);
    const other = await generateTeamKey('Other', 'other@example.org');
    const forOther = await openPgpMail(plainMail(await encryptTo('secret', other.publicKeyArmored)), [team], []);
    expect(forOther).toMatchObject({ kind: 'inline-encrypted', isEncrypted: true, isDecrypted: false });
    expect(forOther.problems.join('\n')).toMatch(/another key/);
  });

  it('verifies inline cleartext signatures over the sender\'s bytes (quoted-printable, dash-escaped, Japanese)', async () => {
    const text = '- dash line\n不正アクセスの報告です。\ntrailing   \nend';
    const clearsigned = await openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: sender, format: 'armored' });
    const qp = Buffer.from(clearsigned, 'utf8').toString('latin1').replace(/[\x80-\xff=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    const opened = await openPgpMail(plainMail(qp, ['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable']), [team], [senderPublic]);
    expect(opened).toMatchObject({ kind: 'inline-signed', contentIsMime: false, problems: [], signature: { status: 'valid' } });
    // Cleartext signatures ignore trailing whitespace (RFC 4880 §7.1); OpenPGP.js drops it when signing.
    expect(opened.content!.toString('utf8')).toBe(text.replace(/ +$/gm, ''));
    const respaced = await openPgpMail(plainMail(clearsigned.replace('end\n', 'end \t\n')), [team], [senderPublic]);
    expect(respaced.signature.status).toBe('valid');
    const tampered = await openPgpMail(plainMail(clearsigned.replace('報告', '報吿')), [team], [senderPublic]);
    expect(tampered.signature.status).toBe('invalid');
    const cut = await openPgpMail(plainMail(clearsigned.slice(0, clearsigned.indexOf('-----BEGIN PGP SIGNATURE'))), [team], [senderPublic]);
    expect(cut).toMatchObject({ kind: 'inline-signed', signature: { status: 'invalid' }, problems: [expect.stringMatching(/truncated/)] });
  });

  it('answers none for a mail without OpenPGP, and never throws on garbage', async () => {
    const plain = await openPgpMail(plainMail('Please look at 203.0.113.9.'), [team], [senderPublic]);
    expect(plain).toEqual({
      kind: 'none',
      isEncrypted: false,
      isDecrypted: false,
      content: null,
      contentIsMime: false,
      signature: { status: 'none', fingerprint: null, keyId: null, signedAt: null },
      problems: [],
    });
    const smime = crlf(['Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b', '', '--b', '', 'x', '--b', '', 'y', '--b--']);
    expect((await openPgpMail(smime, [team], [])).kind).toBe('none');
    for (const junk of [Buffer.alloc(0), Buffer.from([0, 255, 13, 10, 13, 10, 1]), Buffer.from('Content-Type: multipart/encrypted; boundary=x\n\n--x\n')]) {
      await expect(openPgpMail(junk, [team], ['not a key'])).resolves.toMatchObject({ isDecrypted: false });
    }
  });
});

const gpgVersion = (() => {
  try {
    return execFileSync('gpg', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    return '';
  }
})();

describe.skipIf(!gpgVersion)(`interoperability with ${gpgVersion || 'GnuPG — SKIPPED: gpg is not installed'}`, () => {
  let home: string;
  let team: TeamKey;
  let contact: string;
  const gpg = (args: string[], input?: string) =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'renkei-gpg-'));
    team = await generateTeamKey('Renkei CSIRT', 'csirt@example.org');
    gpg(['--import'], team.publicKeyArmored);
    gpg(['--quick-generate-key', 'Reporter <reporter@example.net>', 'ed25519', 'sign', 'never']);
    contact = gpg(['--armor', '--export', 'reporter@example.net']);
  });

  afterAll(() => {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  });

  it('opens what GnuPG encrypts and signs to the team key', async () => {
    const armored = gpg(['--trust-model', 'always', '--armor', '--sign', '--encrypt', '-r', team.fingerprint, '-u', 'reporter@example.net'], INNER_ENTITY);
    const opened = await openPgpMail(pgpMimeEncrypted(armored), [team], [contact]);
    expect(opened).toMatchObject({ isDecrypted: true, problems: [], signature: { status: 'valid' } });
    expect(opened.content!.toString('utf8')).toBe(INNER_ENTITY);
  });

  it('verifies GnuPG detached and cleartext signatures', async () => {
    const detached = gpg(['--armor', '--detach-sign', '-u', 'reporter@example.net'], INNER_ENTITY);
    expect((await openPgpMail(pgpMimeSigned(INNER_ENTITY, detached), [team], [contact])).signature.status).toBe('valid');
    const clear = gpg(['--clearsign', '-u', 'reporter@example.net'], '- dashed\nline with trailing space \n日本語\n');
    const opened = await openPgpMail(plainMail(clear), [team], [contact]);
    expect(opened).toMatchObject({ kind: 'inline-signed', signature: { status: 'valid' } });
  });

  it('GnuPG imports the team\'s private key (a backup restores into gpg)', () => {
    gpg(['--import'], team.privateKeyArmored);
    expect(gpg(['--list-secret-keys', '--with-colons', team.fingerprint])).toContain(`fpr:::::::::${team.fingerprint}:`);
  });
});
