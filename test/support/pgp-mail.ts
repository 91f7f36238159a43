import * as openpgp from 'openpgp';

/**
 * A PGP/MIME (RFC 3156) multipart/encrypted entity, from `MIME-Version` on:
 * `inner` (a MIME entity: its Content-* headers and body) encrypted to
 * `recipientKey`, signed with `signingKey` when given. Callers put the
 * message's own headers (From, Subject, Message-ID…) before it.
 */
export async function pgpMimeEncrypted(inner: string, recipientKey: string, signingKey?: string): Promise<string> {
  const armored: string = await (openpgp.encrypt as (o: unknown) => Promise<string>)({
    message: await openpgp.createMessage({ text: inner }),
    encryptionKeys: await openpgp.readKey({ armoredKey: recipientKey }),
    ...(signingKey ? { signingKeys: await openpgp.readPrivateKey({ armoredKey: signingKey }) } : {}),
  });
  return [
    'MIME-Version: 1.0',
    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc"',
    '',
    '--enc',
    'Content-Type: application/pgp-encrypted',
    '',
    'Version: 1',
    '',
    '--enc',
    'Content-Type: application/octet-stream; name="encrypted.asc"',
    '',
    armored,
    '--enc--',
    '',
  ].join('\r\n');
}
