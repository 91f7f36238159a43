/**
 * Writes the mail Renkei sends: a plain-text body (UTF-8) with optional
 * attachments, PGP-signed (RFC 3156 multipart/signed) with the team key,
 * and encrypted (multipart/encrypted, signed inside) when the recipient's
 * key is known. The MIME tree is built by nodemailer's MimeNode; only the
 * RFC 3156 wrapping is ours.
 */
import { randomBytes } from 'node:crypto';
import MimeNode from 'nodemailer/lib/mime-node';
import * as openpgp from 'openpgp';
import type { PrivateKey, PublicKey } from 'openpgp';
import type { TeamKey } from './pgp-keys.js';
import { canonicalCrlf } from './pgp-mime.js';

export interface MailAddress {
  name?: string | null;
  address: string;
}

export interface OutboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutboundMessage {
  from: MailAddress;
  to: MailAddress[];
  replyTo?: MailAddress;
  subject: string;
  text: string;
  /** Without angle brackets. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  date: Date;
  language: 'ja' | 'en';
  attachments?: OutboundAttachment[];
  /** Extra headers, e.g. `Auto-Submitted: auto-replied`. */
  headers?: Record<string, string>;
}

export interface PgpOptions {
  /** Sign with this key (the team's). */
  signWith?: TeamKey;
  /** Encrypt to these armored public keys (the recipient's; the team's own is added so the sent copy stays readable). */
  encryptTo?: string[];
}

export interface ComposedMail {
  raw: Buffer;
  isSigned: boolean;
  isEncrypted: boolean;
}

export class PgpKeyError extends Error {}

/** A Message-ID for mail from `domain`: unique, and not revealing anything of the incident. */
export function newMessageId(domain: string): string {
  return `${Date.now().toString(36)}.${randomBytes(12).toString('hex')}@${domain}`;
}

const addr = (a: MailAddress) => (a.name ? { name: a.name, address: a.address } : a.address);

/** The body entity: text/plain, or multipart/mixed with the attachments. Built as a child so it gets no top-level headers. */
async function bodyEntity(msg: OutboundMessage, attachments: OutboundAttachment[]): Promise<Buffer> {
  const holder = new MimeNode('multipart/mixed');
  let node: MimeNode;
  if (attachments.length === 0) {
    node = holder.createChild('text/plain; charset=utf-8');
    node.setContent(msg.text);
  } else {
    node = holder.createChild('multipart/mixed');
    node.createChild('text/plain; charset=utf-8').setContent(msg.text);
    for (const a of attachments) {
      node.createChild(a.contentType, { filename: a.filename }).setHeader('Content-Disposition', 'attachment').setContent(a.content);
    }
  }
  node.setHeader('Content-Language', msg.language);
  const built = await node.build();
  // RFC 3156: the signed bytes are the part exactly as it appears, CRLF line ends, without the CRLF before the boundary.
  return trimFinalCrlf(canonicalCrlf(built));
}

function rootNode(msg: OutboundMessage, contentType: string): MimeNode {
  const root = new MimeNode(contentType);
  root.setHeader('From', addr(msg.from));
  root.setHeader('To', msg.to.map(addr));
  if (msg.replyTo) root.setHeader('Reply-To', addr(msg.replyTo));
  root.setHeader('Subject', msg.subject);
  root.setHeader('Date', msg.date);
  root.setHeader('Message-ID', `<${msg.messageId}>`);
  if (msg.inReplyTo) root.setHeader('In-Reply-To', `<${msg.inReplyTo}>`);
  if (msg.references?.length) root.setHeader('References', msg.references.map((r) => `<${r}>`).join(' '));
  for (const [k, v] of Object.entries(msg.headers ?? {})) root.setHeader(k, v);
  return root;
}

/** Compose the message as it will be handed to the relay. Throws PgpKeyError when a recipient key is unusable. */
export async function composeMail(msg: OutboundMessage, pgp: PgpOptions = {}): Promise<ComposedMail> {
  const attachments = msg.attachments ?? [];
  const encryptTo = pgp.encryptTo ?? [];

  if (encryptTo.length > 0) {
    const inner = await bodyEntity(msg, attachments);
    const recipients = await readRecipientKeys(encryptTo, pgp.signWith);
    const signingKeys = pgp.signWith ? await readPrivate(pgp.signWith) : undefined;
    const armored = (await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: inner, format: 'binary' }),
      encryptionKeys: recipients,
      ...(signingKeys ? { signingKeys } : {}),
      format: 'armored',
    })) as string;
    const root = rootNode(msg, 'multipart/encrypted; protocol="application/pgp-encrypted"');
    root.createChild('application/pgp-encrypted').setHeader('Content-Description', 'PGP/MIME version identification').setContent('Version: 1\r\n');
    root
      .createChild('application/octet-stream; name="encrypted.asc"')
      .setHeader('Content-Description', 'OpenPGP encrypted message')
      .setHeader('Content-Disposition', 'inline; filename="encrypted.asc"')
      .setHeader('Content-Transfer-Encoding', '7bit')
      .setContent(armored);
    return { raw: await root.build(), isSigned: Boolean(signingKeys), isEncrypted: true };
  }

  if (pgp.signWith) {
    const inner = await bodyEntity(msg, attachments);
    const signingKeys = await readPrivate(pgp.signWith);
    const signature = (await openpgp.sign({
      message: await openpgp.createMessage({ binary: inner, format: 'binary' }),
      signingKeys,
      detached: true,
      format: 'armored',
    })) as string;
    const root = rootNode(msg, 'multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"');
    root.createChild(false).setRaw(inner);
    root
      .createChild('application/pgp-signature; name="signature.asc"')
      .setHeader('Content-Description', 'OpenPGP digital signature')
      .setHeader('Content-Disposition', 'attachment; filename="signature.asc"')
      .setHeader('Content-Transfer-Encoding', '7bit')
      .setContent(signature);
    return { raw: await root.build(), isSigned: true, isEncrypted: false };
  }

  const root = rootNode(msg, attachments.length ? 'multipart/mixed' : 'text/plain; charset=utf-8');
  if (attachments.length === 0) {
    root.setContent(msg.text);
  } else {
    root.createChild('text/plain; charset=utf-8').setContent(msg.text);
    for (const a of attachments) root.createChild(a.contentType, { filename: a.filename }).setHeader('Content-Disposition', 'attachment').setContent(a.content);
  }
  root.setHeader('Content-Language', msg.language);
  return { raw: await root.build(), isSigned: false, isEncrypted: false };
}

/** Can this armored key receive encrypted mail? An explanation when not (expired, revoked, no encryption subkey, not a key). */
export async function checkRecipientKey(armored: string): Promise<{ ok: true; fingerprint: string } | { ok: false; error: string }> {
  try {
    const key = await openpgp.readKey({ armoredKey: armored });
    await key.getEncryptionKey();
    return { ok: true, fingerprint: key.getFingerprint().toUpperCase() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function readRecipientKeys(armored: string[], team: TeamKey | undefined): Promise<PublicKey[]> {
  const keys: PublicKey[] = [];
  for (const a of armored) {
    const checked = await checkRecipientKey(a);
    if (!checked.ok) throw new PgpKeyError(`the recipient's PGP key cannot be used for encryption: ${checked.error}`);
    keys.push(await openpgp.readKey({ armoredKey: a }));
  }
  if (team) keys.push(await openpgp.readKey({ armoredKey: team.publicKeyArmored }));
  return keys;
}

const privateCache = new Map<string, Promise<PrivateKey>>();
function readPrivate(team: TeamKey): Promise<PrivateKey> {
  let key = privateCache.get(team.fingerprint);
  if (!key) {
    key = openpgp.readPrivateKey({ armoredKey: team.privateKeyArmored });
    privateCache.set(team.fingerprint, key);
  }
  return key;
}

function trimFinalCrlf(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end >= 2 && bytes[end - 2] === 0x0d && bytes[end - 1] === 0x0a) end -= 2;
  return bytes.subarray(0, end);
}
