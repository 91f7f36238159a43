/**
 * The team's OpenPGP keys and the contacts' public keys: generating and
 * importing a team key, fingerprints, and the keyring (parsed keys, cached)
 * that pgp.ts opens mail with.
 */
import * as openpgp from 'openpgp';
import type { KeyID, PrivateKey, PublicKey } from 'openpgp';

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
  /**
   * The contacts' keys that may have made signatures by these key IDs: only
   * those are parsed (a directory holds hundreds of keys; a signature names
   * its key). Keys that cannot be read are skipped, and said in `problems`.
   */
  verificationFor(keyIds: KeyID[]): Promise<PublicKey[]>;
}

export async function readKeyring(teamKeys: TeamKey[], verificationKeys: string[], problems: string[]): Promise<Keyring> {
  const decryption: PrivateKey[] = [];
  for (const team of teamKeys) {
    const key = await cachedPrivateKey(team.privateKeyArmored).catch(() => undefined);
    if (!key) problems.push(`team key ${team.fingerprint} cannot be read`);
    else if (!key.isDecrypted()) problems.push(`team key ${team.fingerprint} is locked by a passphrase: import it with importTeamKey`);
    else decryption.push(key);
  }
  let saidUnreadable = false;
  const verificationFor = async (keyIds: KeyID[]): Promise<PublicKey[]> => {
    const wanted = new Set(keyIds.map((id) => id.toHex()));
    const keys: PublicKey[] = [];
    if (wanted.size === 0) return keys;
    // A wildcard (anonymous) key ID may be any key's.
    const anyKey = wanted.has('0000000000000000');
    for (const armored of verificationKeys) {
      const facts = await publicKeyFacts(armored);
      if (!facts) {
        if (!saidUnreadable) problems.push('a contact public key cannot be read and was skipped');
        saidUnreadable = true;
      } else if (anyKey || facts.keyIds.some((id) => wanted.has(id))) keys.push(...(await cachedPublicKeys(armored)));
    }
    return keys;
  };
  return { decryption, verificationFor };
}

/** Fingerprint (upper-case hex) of an armored public key, or undefined when it is not one; remembered (see publicKeyFacts). */
export async function fingerprintOf(publicKeyArmored: string): Promise<string | undefined> {
  return (await publicKeyFacts(publicKeyArmored))?.fingerprint;
}

// Parsing a key costs about as much as verifying with it; the same few keys come back for every mail.
const KEY_CACHE_SIZE = 256;
const privateKeys = new Map<string, Promise<PrivateKey>>();
const publicKeys = new Map<string, Promise<PublicKey[]>>();
/**
 * What is needed to choose among a directory's keys without parsing them
 * again: the first key's fingerprint, and the key IDs (primary keys and
 * subkeys) of every key in the block; undefined for a block that is not a
 * key. Small, so many more are remembered than parsed keys.
 */
const FACTS_CACHE_SIZE = 5_000;
const facts = new Map<string, Promise<{ fingerprint: string; keyIds: string[] } | undefined>>();

function cachedPrivateKey(armored: string): Promise<PrivateKey> {
  return cached(privateKeys, KEY_CACHE_SIZE, armored, () => openpgp.readPrivateKey({ armoredKey: armored }));
}

function cachedPublicKeys(armored: string): Promise<PublicKey[]> {
  return cached(publicKeys, KEY_CACHE_SIZE, armored, async () => (await openpgp.readKeys({ armoredKeys: armored })).map((k) => k.toPublic()));
}

function publicKeyFacts(armored: string): Promise<{ fingerprint: string; keyIds: string[] } | undefined> {
  return cached(facts, FACTS_CACHE_SIZE, armored, async () => {
    const keys = await cachedPublicKeys(armored).catch(() => undefined);
    if (!keys?.length) return undefined;
    return { fingerprint: keys[0]!.getFingerprint().toUpperCase(), keyIds: keys.flatMap((k) => k.getKeyIDs().map((id) => id.toHex())) };
  });
}

function cached<T>(cache: Map<string, Promise<T>>, size: number, key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const loading = load();
  loading.catch(() => cache.delete(key));
  if (cache.size >= size) cache.delete(cache.keys().next().value!);
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
