import { generateTeamKey, importTeamKey, type TeamKey } from '../formats/pgp.js';
import type { KeyFiles } from '../store/key-files.js';

/**
 * The team's PGP keys: read from the data directory, or — on first start —
 * a new curve25519 key generated for the report address and saved there.
 * Keys in the data directory are stored without a passphrase (mode 0600);
 * protect the directory as you would the database.
 */
export async function loadTeamKeys(files: KeyFiles, identity: { name: string; email: string }): Promise<TeamKey[]> {
  const stored = files.list();
  if (stored.length) return Promise.all(stored.map((armored) => importTeamKey(armored)));
  const key = await generateTeamKey(identity.name, identity.email);
  files.save(key.fingerprint, key.privateKeyArmored);
  return [key];
}

/** Add a key (e.g. the team's existing GnuPG key); it becomes the published one. */
export async function importTeamKeyFile(files: KeyFiles, armored: string, passphrase?: string): Promise<TeamKey> {
  const key = await importTeamKey(armored, passphrase);
  files.save(key.fingerprint, key.privateKeyArmored);
  return key;
}
