/**
 * The team's OpenPGP keys and the contacts' public keys: generating and
 * importing a team key, fingerprints, and the keyring (parsed keys, cached)
 * that pgp.ts opens mail with.
 */
import * as openpgp from 'openpgp';
import type { PrivateKey, PublicKey } from 'openpgp';

export interface TeamKey {
  privateKeyArmored: string;
  publicKeyArmored: string;
  fingerprint: string;
  userIds: string[];
}

/**
 * A new curve25519 key pair (v4, interoperable with GnuPG 2.2) for the team's report address.
 * openpgp 6's `type: 'curve25519'` would make RFC 9580 Ed25519/X25519 keys that GnuPG 2.2
 * cannot use; the legacy EdDSA + ECDH(Curve25519) pair is what 2.2 and every MUA read.
 */
export async function generateTeamKey(name: string, email: string): Promise<TeamKey> {
  try {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ name, email }],
      format: 'object',
    });
    return teamKeyOf(privateKey);
  } catch (err) {
    throw new Error(`cannot generate a team key for ${JSON.stringify(`${name} <${email}>`)}: ${messageOf(err)}`);
  }
}

/**
 * Read an armored private key (optionally passphrase-protected); throws an Error with a clear message when it is not one.
 * The TeamKey returned holds the key UNLOCKED (passphrase removed), since `openPgpMail` takes no passphrase:
 * whoever stores it must protect it at rest.
 */
export async function importTeamKey(privateKeyArmored: string, passphrase?: string): Promise<TeamKey> {
  let key: PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: privateKeyArmored });
  } catch (err) {
    const isPublic = await openpgp.readKey({ armoredKey: privateKeyArmored }).then(() => true, () => false);
    throw new Error(
      isPublic
        ? 'this is an OpenPGP public key; the team key must be the private (secret) key'
        : `not an armored OpenPGP private key: ${messageOf(err)}`,
    );
  }
  if (!key.isDecrypted()) {
    if (passphrase === undefined || passphrase === '') throw new Error('the private key is protected by a passphrase: give the passphrase');
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (err) {
      throw new Error(`the passphrase does not unlock the private key: ${messageOf(err)}`);
    }
  }
  try {
    await key.getEncryptionKey();
  } catch (err) {
    throw new Error(`the key cannot receive encrypted mail (no valid encryption subkey): ${messageOf(err)}`);
  }
  const decryptionKeys = await key.getDecryptionKeys().catch(() => []);
  if (!decryptionKeys.some((k) => k.isDecrypted())) {
    throw new Error('the key has no secret material for decryption (only a stub, e.g. exported from a smartcard)');
  }
  return teamKeyOf(key);
}

/** Fingerprint (upper-case hex) of an armored public key, or undefined when it is not one. */
export async function fingerprintOf(publicKeyArmored: string): Promise<string | undefined> {
  try {
    return (await openpgp.readKey({ armoredKey: publicKeyArmored })).getFingerprint().toUpperCase();
  } catch {
    return undefined;
  }
}

function teamKeyOf(key: PrivateKey): TeamKey {
  return {
    privateKeyArmored: key.armor(),
    publicKeyArmored: key.toPublic().armor(),
    fingerprint: key.getFingerprint().toUpperCase(),
    userIds: key.getUserIDs(),
  };
}

export interface Keyring {
  decryption: PrivateKey[];
  verification: PublicKey[];
}

export async function readKeyring(teamKeys: TeamKey[], verificationKeys: string[], problems: string[]): Promise<Keyring> {
  const decryption: PrivateKey[] = [];
  for (const team of teamKeys) {
    const key = await cachedPrivateKey(team.privateKeyArmored).catch(() => undefined);
    if (!key) problems.push(`team key ${team.fingerprint} cannot be read`);
    else if (!key.isDecrypted()) problems.push(`team key ${team.fingerprint} is locked by a passphrase: import it with importTeamKey`);
    else decryption.push(key);
  }
  const verification: PublicKey[] = [];
  for (const armored of verificationKeys) {
    const keys = await cachedPublicKeys(armored).catch(() => undefined);
    if (keys) verification.push(...keys);
    else problems.push('a contact public key cannot be read and was skipped');
  }
  return { decryption, verification };
}

// Parsing a key costs about as much as verifying with it; the same few keys come back for every mail.
const KEY_CACHE_SIZE = 256;
const privateKeys = new Map<string, Promise<PrivateKey>>();
const publicKeys = new Map<string, Promise<PublicKey[]>>();

function cachedPrivateKey(armored: string): Promise<PrivateKey> {
  return cached(privateKeys, armored, () => openpgp.readPrivateKey({ armoredKey: armored }));
}

function cachedPublicKeys(armored: string): Promise<PublicKey[]> {
  return cached(publicKeys, armored, async () => (await openpgp.readKeys({ armoredKeys: armored })).map((k) => k.toPublic()));
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const loading = load();
  loading.catch(() => cache.delete(key));
  if (cache.size >= KEY_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, loading);
  return loading;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The public key in binary (unarmored) form, as OpenPGP Web Key Directory serves it. */
export async function publicKeyBinary(publicKeyArmored: string): Promise<Buffer> {
  const key = await openpgp.readKey({ armoredKey: publicKeyArmored });
  return Buffer.from(key.write());
}
