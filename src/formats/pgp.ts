import * as openpgp from 'openpgp';
import type { Message, PrivateKey, PublicKey, Signature } from 'openpgp';
import { guessText } from './charset.js';
import {
  canonicalCrlf,
  decodeCharset,
  decodeTransfer,
  findArmor,
  hasTextOutside,
  lineStartIndex,
  parseEntity,
  splitCleartext,
  splitMultipart,
  textLeaves,
  type MimeEntity,
} from './pgp-mime.js';
import { messageOf, readKeyring, type Keyring, type TeamKey } from './pgp-keys.js';

export { fingerprintOf, generateTeamKey, importTeamKey, publicKeyBinary, type TeamKey } from './pgp-keys.js';

export type PgpKind = 'none' | 'pgp-mime-encrypted' | 'pgp-mime-signed' | 'inline-encrypted' | 'inline-signed';
export type SignatureStatus = 'none' | 'valid' | 'invalid' | 'unknown-key';

export interface PgpSignature {
  status: SignatureStatus;
  /** 'valid'/'invalid': the contact key's primary fingerprint; 'unknown-key': the issuer fingerprint the signature names, if any (may be a subkey's). */
  fingerprint: string | null;
  /** The signing (sub)key's ID, 16 upper-case hex digits. */
  keyId: string | null;
  signedAt: string | null;
}

export interface PgpOpened {
  kind: PgpKind;
  isEncrypted: boolean;
  /** Could it be decrypted with the team key? false = kept as received, flagged. */
  isDecrypted: boolean;
  /**
   * The decrypted MIME entity (PGP/MIME) or the cleartext (inline, as UTF-8), or the signed content; null when nothing
   * to open or it could not be opened. For a decrypted entity that is itself multipart/signed, its signed part.
   */
  content: Buffer | null;
  /** For PGP/MIME: content is a MIME entity to parse as a mail body (it has its own headers). For inline: plain text. */
  contentIsMime: boolean;
  signature: PgpSignature;
  problems: string[];
}

/** A sender's clock a little ahead must not make a good signature "from the future". */
const CLOCK_SKEW_MS = 10 * 60 * 1000;
const NO_SIGNATURE: PgpSignature = { status: 'none', fingerprint: null, keyId: null, signedAt: null };

// Armored and binary messages are the same object at run time; the type parameter only tracks streams.
type PgpMessage = Message<Uint8Array>;

/**
 * Open a raw RFC 5322 message: RFC 3156 multipart/encrypted (decrypt with the team key, and verify a signature inside it),
 * multipart/signed (verify over the EXACT raw bytes of the first part, cut from the raw message by its boundary — canonical CRLF),
 * inline `-----BEGIN PGP MESSAGE-----` / `-----BEGIN PGP SIGNED MESSAGE-----` in a text body.
 * `verificationKeys` are the armored public keys of known contacts; a signature by another key is 'unknown-key'.
 * Never throws: a message for another key, a corrupt signature, broken armor → problems + flags, so the mail is still stored.
 */
export async function openPgpMail(raw: Buffer, teamKeys: TeamKey[], verificationKeys: string[]): Promise<PgpOpened> {
  const problems: string[] = [];
  let keyring: Keyring | undefined;
  // Keys are read only when the mail holds OpenPGP, so plain mail costs nothing.
  const keys = async () => (keyring ??= await readKeyring(teamKeys, verificationKeys, problems));
  try {
    const top = parseEntity(raw);
    const pgpMime = findPgpMime(top, problems);
    if (pgpMime?.mimeType === 'multipart/encrypted') return await openEncryptedEntity(pgpMime, await keys(), problems);
    if (pgpMime) return { ...(await openSignedEntity(pgpMime, await keys(), problems)), kind: 'pgp-mime-signed' };
    return await openInline(top, keys, problems);
  } catch (err) {
    problems.push(`the message could not be read for OpenPGP: ${messageOf(err)}`);
    return result('none', problems);
  }
}

function result(kind: PgpKind, problems: string[], fields: Partial<PgpOpened> = {}): PgpOpened {
  return { kind, isEncrypted: false, isDecrypted: false, content: null, contentIsMime: false, signature: NO_SIGNATURE, problems, ...fields };
}

/** The PGP/MIME entity: the message itself, or the first part of a multipart/mixed that a list wrapped around it. */
function findPgpMime(top: MimeEntity, problems: string[]): MimeEntity | null {
  if (isPgpMime(top)) return top;
  if (top.mimeType !== 'multipart/mixed') return null;
  const first = splitMultipart(top)[0];
  const inner = first ? parseEntity(first) : null;
  if (!inner || !isPgpMime(inner)) return null;
  problems.push('the PGP/MIME part is wrapped in multipart/mixed (a mailing list footer?): the other parts are neither signed nor encrypted');
  return inner;
}

function isPgpMime(entity: MimeEntity): boolean {
  // The protocol parameter is checked when present; some senders fold it badly and lose it.
  const protocol = entity.params.get('protocol')?.toLowerCase();
  if (entity.mimeType === 'multipart/encrypted') return protocol === undefined || protocol === 'application/pgp-encrypted';
  if (entity.mimeType === 'multipart/signed') return protocol === undefined || protocol === 'application/pgp-signature';
  return false;
}

async function openEncryptedEntity(entity: MimeEntity, keyring: Keyring, problems: string[]): Promise<PgpOpened> {
  const failed = (problem: string) => result('pgp-mime-encrypted', [...problems, problem], { isEncrypted: true });
  const parts = splitMultipart(entity).map(parseEntity);
  const payload = parts.find((p) => p.mimeType === 'application/octet-stream') ?? parts[1];
  if (!payload) return failed('multipart/encrypted without its encrypted part');
  const bytes = decodeTransfer(payload);
  const message = await attempt(readPgpMessage(bytes));
  if (message instanceof Error) return failed(`the encrypted part is not a readable OpenPGP message: ${messageOf(message)}`);
  const opened = await decryptMessage(message, () => readPgpMessage(bytes), keyring, problems);
  if (!opened.content) return { ...opened, kind: 'pgp-mime-encrypted' };
  const inner = parseEntity(opened.content);
  // Sign-then-encrypt as two layers (RFC 3156 §6.1): the decrypted entity is itself multipart/signed.
  if (inner.mimeType === 'multipart/signed' && isPgpMime(inner)) {
    const signed = await openSignedEntity(inner, keyring, problems);
    const signature = signed.signature.status === 'none' ? opened.signature : signed.signature;
    return { ...opened, kind: 'pgp-mime-encrypted', content: signed.content ?? opened.content, signature, contentIsMime: true };
  }
  return { ...opened, kind: 'pgp-mime-encrypted', contentIsMime: true };
}

async function openSignedEntity(entity: MimeEntity, keyring: Keyring, problems: string[]): Promise<PgpOpened> {
  const [first, second] = splitMultipart(entity);
  if (!first) return result('pgp-mime-signed', [...problems, 'multipart/signed without a signed part']);
  // The exact bytes between the boundaries, CRLF-canonical, are what was signed (RFC 3156 §5).
  const signed = canonicalCrlf(first);
  const base = { content: signed, contentIsMime: true };
  if (!second) return result('pgp-mime-signed', [...problems, 'multipart/signed without its signature part'], { ...base, signature: invalid() });
  const signature = await attempt(readDetachedSignature(decodeTransfer(parseEntity(second))));
  if (signature instanceof Error) {
    problems.push(`the signature part is not a readable OpenPGP signature: ${messageOf(signature)}`);
    return result('pgp-mime-signed', problems, { ...base, signature: invalid() });
  }
  const verified = await verifyDetached(signed, signature, keyring, problems);
  return result('pgp-mime-signed', problems, { ...base, signature: verified });
}

async function openInline(top: MimeEntity, keys: () => Promise<Keyring>, problems: string[]): Promise<PgpOpened> {
  for (const leaf of textLeaves(top)) {
    const bytes = decodeTransfer(leaf);
    const text = bytes.toString('latin1');
    const signedAt = lineStartIndex(text, '-----BEGIN PGP SIGNED MESSAGE-----');
    const messageAt = lineStartIndex(text, '-----BEGIN PGP MESSAGE-----');
    if (signedAt === -1 && messageAt === -1) continue;
    const charset = leaf.params.get('charset');
    if (signedAt !== -1 && (messageAt === -1 || signedAt < messageAt)) return await openCleartext(bytes, signedAt, charset, await keys(), problems);
    return inlineAsText(await openInlineMessage(text, messageAt, await keys(), problems), charset);
  }
  return result('none', problems);
}

/**
 * The plain text of an inline message as UTF-8 (as the cleartext path gives
 * it): encrypted or signed bytes are in whatever the sender's client wrote —
 * ISO-2022-JP (its escapes), else UTF-8 when they are valid UTF-8, else the
 * text part's charset, else Shift_JIS or EUC-JP, whichever reads cleanly.
 */
function inlineAsText(opened: PgpOpened, charset: string | undefined): PgpOpened {
  if (!opened.content || opened.contentIsMime) return opened;
  return { ...opened, content: Buffer.from(guessText(opened.content, charset).text, 'utf8') };
}

async function openInlineMessage(text: string, at: number, keyring: Keyring, problems: string[]): Promise<PgpOpened> {
  const block = findArmor(text, 'MESSAGE', at)!;
  if (hasTextOutside(text, block.start, block.end)) problems.push('the body has text outside the PGP block: that text was neither encrypted nor signed');
  const armored = text.slice(block.start, block.end);
  let message: PgpMessage;
  try {
    message = await openpgp.readMessage({ armoredMessage: armored });
  } catch (err) {
    return result('inline-encrypted', [...problems, `the inline PGP message has broken armor: ${messageOf(err)}`], { isEncrypted: true });
  }
  if (isEncryptedMessage(message)) return { ...(await decryptMessage(message, () => openpgp.readMessage({ armoredMessage: armored }), keyring, problems)), kind: 'inline-encrypted' };
  // A signed (not encrypted) OpenPGP message: the signature wraps the literal data.
  try {
    const keys = await keyring.verificationFor(message.getSigningKeyIDs());
    const { data, signatures } = await verifyBinary(message, keys);
    const signature = await evaluateSignatures(signatures, keys, problems);
    return result('inline-signed', problems, { content: Buffer.from(data), signature });
  } catch (err) {
    return result('inline-signed', [...problems, `the inline PGP message could not be read: ${messageOf(err)}`], { signature: invalid() });
  }
}

async function openCleartext(body: Buffer, at: number, charset: string | undefined, keyring: Keyring, problems: string[]): Promise<PgpOpened> {
  const cleartext = splitCleartext(body, at);
  if (!cleartext) return result('inline-signed', [...problems, 'the inline signed message is truncated: no signature block'], { signature: invalid() });
  if (cleartext.hasTextOutside) problems.push('the body has text outside the signed block: that text is not covered by the signature');
  const fields = { content: Buffer.from(decodeCharset(cleartext.text, charset), 'utf8'), contentIsMime: false };
  const signature = await attempt(readDetachedSignature(cleartext.signature));
  if (signature instanceof Error) {
    return result('inline-signed', [...problems, `the inline signature cannot be read: ${messageOf(signature)}`], { ...fields, signature: invalid() });
  }
  return result('inline-signed', problems, { ...fields, signature: await verifyDetached(cleartext.signed, signature, keyring, problems) });
}

/**
 * Decrypt with the team keys. A signature inside names its key only once
 * decrypted: when that is a contact's, the message (`reread` from its bytes:
 * decrypting consumes it) is decrypted again with that key to verify it.
 */
async function decryptMessage(message: PgpMessage, reread: () => Promise<PgpMessage>, keyring: Keyring, problems: string[]): Promise<PgpOpened> {
  const base = { isEncrypted: true, contentIsMime: false };
  if (keyring.decryption.length === 0) return result('none', [...problems, 'the message is encrypted but no team key is configured'], base);
  try {
    let { data, signatures } = await decryptBinary(message, keyring.decryption, []);
    const keys = await keyring.verificationFor(signatures.map((s) => s.keyID));
    if (keys.length) ({ data, signatures } = await decryptBinary(await reread(), keyring.decryption, keys));
    const signature = await evaluateSignatures(signatures, keys, problems);
    return result('none', problems, { ...base, isDecrypted: true, content: Buffer.from(data), signature });
  } catch (err) {
    const recipients = message.getEncryptionKeyIDs();
    const ours = keyring.decryption.some((k) => recipients.some((id) => k.getKeys(id).length > 0));
    const ids = recipients.map((id) => id.toHex().toUpperCase()).join(', ') || 'none named';
    problems.push(
      ours
        ? `the message is encrypted to a team key but could not be decrypted: ${messageOf(err)}`
        : `the message is encrypted to another key (key IDs ${ids}), not to a team key: kept as received`,
    );
    return result('none', problems, base);
  }
}

async function verifyDetached(signed: Buffer, signature: Signature, keyring: Keyring, problems: string[]): Promise<PgpSignature> {
  const exact = await checkDetached(signed, signature, keyring);
  // OpenPGP.js 4 (ProtonMail and others) made text-mode signatures over lines with trailing
  // whitespace removed, as for cleartext. Accepted, but said: RFC 3156 signs the exact bytes.
  if (exact.signature.status === 'invalid' && signature.packets.some((p) => p.signatureType === openpgp.enums.signature.text)) {
    const stripped = Buffer.from(signed.toString('latin1').replace(/[ \t]+(?=\r\n|$)/g, ''), 'latin1');
    const loose = stripped.equals(signed) ? null : await checkDetached(stripped, signature, keyring);
    if (loose?.signature.status === 'valid') {
      problems.push('the signature is valid only with trailing whitespace removed from each line (as OpenPGP.js 4 signs text)', ...loose.problems);
      return loose.signature;
    }
  }
  problems.push(...exact.problems);
  return exact.signature;
}

async function checkDetached(signed: Buffer, signature: Signature, keyring: Keyring): Promise<{ signature: PgpSignature; problems: string[] }> {
  const problems: string[] = [];
  try {
    const message = await createBinaryMessage(signed);
    const keys = await keyring.verificationFor(signature.getSigningKeyIDs());
    const { signatures } = await verifyBinary(message, keys, signature);
    return { signature: await evaluateSignatures(signatures, keys, problems), problems };
  } catch (err) {
    problems.push(`the signature could not be checked: ${messageOf(err)}`);
    return { signature: invalid(), problems };
  }
}

type VerificationResult = Awaited<ReturnType<typeof openpgp.verify>>['signatures'][number];

/*
 * openpgp 6 types its stream-or-value results through the optional peer package
 * @openpgp/web-stream-tools; without it they resolve to an error type. These calls
 * never stream (all input is a Uint8Array), so the results are stated here once.
 */
interface OpenedData {
  data: Uint8Array;
  signatures: VerificationResult[];
}

async function decryptBinary(message: PgpMessage, decryptionKeys: PrivateKey[], verificationKeys: PublicKey[]): Promise<OpenedData> {
  const options = { message, decryptionKeys, verificationKeys, date: verifyDate(), format: 'binary' } as const;
  return openpgp.decrypt(options);
}

async function verifyBinary(message: PgpMessage, verificationKeys: PublicKey[], signature?: Signature): Promise<OpenedData> {
  const options = { message, verificationKeys, date: verifyDate(), format: 'binary', ...(signature ? { signature } : {}) } as const;
  return (await openpgp.verify(options)) as OpenedData;
}

async function createBinaryMessage(bytes: Buffer): Promise<PgpMessage> {
  return openpgp.createMessage({ binary: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
}

/** One status for the message: a valid signature wins; the others are reported as problems. */
async function evaluateSignatures(signatures: VerificationResult[], keys: PublicKey[], problems: string[]): Promise<PgpSignature> {
  const checked: PgpSignature[] = [];
  for (const sig of signatures) {
    const keyId = sig.keyID.toHex().toUpperCase();
    const packet = await sig.signature.then((s) => s.packets[0], () => undefined);
    const signedAt = packet?.created ? packet.created.toISOString() : null;
    const known = keys.find((k) => k.getKeys(sig.keyID).length > 0);
    const outcome = await sig.verified.then(() => null, (err: unknown) => messageOf(err));
    if (!known) {
      const issuer = packet?.issuerFingerprint ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase() : null;
      checked.push({ status: 'unknown-key', fingerprint: issuer, keyId, signedAt });
      continue;
    }
    const fingerprint = known.getFingerprint().toUpperCase();
    if (outcome !== null) problems.push(`the signature by ${fingerprint} does not verify: ${outcome}`);
    checked.push({ status: outcome === null ? 'valid' : 'invalid', fingerprint, keyId, signedAt });
  }
  const rank = { valid: 0, invalid: 1, 'unknown-key': 2, none: 3 } as const;
  checked.sort((a, b) => rank[a.status] - rank[b.status]);
  const best = checked[0] ?? NO_SIGNATURE;
  const unknown = checked.filter((c) => c.status === 'unknown-key');
  if (unknown.length > 0 && best.status !== 'unknown-key') {
    problems.push(`also signed by unknown key IDs ${unknown.map((u) => u.keyId).join(', ')}`);
  }
  return best;
}

async function readPgpMessage(payload: Buffer): Promise<PgpMessage> {
  const text = payload.toString('latin1');
  const block = findArmor(text, 'MESSAGE');
  if (!block) return openpgp.readMessage({ binaryMessage: new Uint8Array(payload) });
  return openpgp.readMessage({ armoredMessage: text.slice(block.start, block.end) });
}

async function readDetachedSignature(payload: Buffer): Promise<Signature> {
  const text = payload.toString('latin1');
  const block = findArmor(text, 'SIGNATURE');
  if (!block) return openpgp.readSignature({ binarySignature: new Uint8Array(payload) });
  return openpgp.readSignature({ armoredSignature: text.slice(block.start, block.end) });
}

function isEncryptedMessage(message: PgpMessage): boolean {
  return message.getEncryptionKeyIDs().length > 0 || message.packets.some((p) => ENCRYPTED_TAGS.has(tagOf(p)));
}

const ENCRYPTED_TAGS = new Set<number>([
  openpgp.enums.packet.publicKeyEncryptedSessionKey,
  openpgp.enums.packet.symEncryptedSessionKey,
  openpgp.enums.packet.symmetricallyEncryptedData,
  openpgp.enums.packet.symEncryptedIntegrityProtectedData,
  openpgp.enums.packet.aeadEncryptedData,
]);

function tagOf(packet: object): number {
  return (packet.constructor as { tag?: number }).tag ?? -1;
}

function invalid(): PgpSignature {
  return { status: 'invalid', fingerprint: null, keyId: null, signedAt: null };
}

function verifyDate(): Date {
  return new Date(Date.now() + CLOCK_SKEW_MS);
}

/** A failure as a value, so the caller can flag it and go on. */
function attempt<T>(work: Promise<T>): Promise<T | Error> {
  return work.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}
