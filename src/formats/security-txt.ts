/**
 * RFC 9116 security.txt: the fields a CSIRT needs (Contact, Expires,
 * Encryption, Preferred-Languages, Canonical, Policy) and, when the file is
 * an OpenPGP cleartext-signed message, whether the signature verifies.
 */
import * as openpgp from 'openpgp';

export interface SecurityTxt {
  contacts: string[];
  /** Contact e-mail addresses (from `mailto:` contacts), in the file's order. */
  emails: string[];
  expires: string | null;
  encryption: string[];
  preferredLanguages: string[];
  canonical: string[];
  policy: string[];
  isSigned: boolean;
  /** The signed text (or the whole file when unsigned). */
  body: string;
  problems: string[];
}

const FIELDS = ['contact', 'expires', 'encryption', 'preferred-languages', 'canonical', 'policy', 'acknowledgments', 'hiring', 'csaf'];

export function parseSecurityTxt(text: string): SecurityTxt {
  const problems: string[] = [];
  let body = text.replace(/^\uFEFF/, '');
  const isSigned = body.trimStart().startsWith('-----BEGIN PGP SIGNED MESSAGE-----');
  if (isSigned) {
    const start = body.indexOf('\n\n', body.indexOf('-----BEGIN PGP SIGNED MESSAGE-----'));
    const crlfStart = body.indexOf('\r\n\r\n', body.indexOf('-----BEGIN PGP SIGNED MESSAGE-----'));
    const from = crlfStart !== -1 && (start === -1 || crlfStart < start) ? crlfStart + 4 : start + 2;
    const end = body.indexOf('-----BEGIN PGP SIGNATURE-----');
    body = end > from ? body.slice(from, end) : body;
    // Dash-escaped lines (RFC 4880 §7.1).
    body = body.replace(/^- /gm, '');
  }
  const out: SecurityTxt = { contacts: [], emails: [], expires: null, encryption: [], preferredLanguages: [], canonical: [], policy: [], isSigned, body, problems };
  for (const [i, raw] of body.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z-]+):\s*(.+)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: not a field: ${line.slice(0, 80)}`);
      continue;
    }
    const name = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (!FIELDS.includes(name)) continue; // unknown fields are allowed (RFC 9116 §2.4)
    if (name === 'contact') {
      out.contacts.push(value);
      const mail = /^mailto:([^?\s]+)/i.exec(value);
      if (mail) out.emails.push(decodeURIComponent(mail[1]!).toLowerCase());
    } else if (name === 'expires') {
      if (out.expires) problems.push('Expires appears more than once');
      else if (Number.isNaN(Date.parse(value))) problems.push(`Expires is not a date: ${value}`);
      else out.expires = new Date(value).toISOString();
    } else if (name === 'encryption') out.encryption.push(value);
    else if (name === 'preferred-languages') out.preferredLanguages.push(...value.split(',').map((s) => s.trim()).filter(Boolean));
    else if (name === 'canonical') out.canonical.push(value);
    else if (name === 'policy') out.policy.push(value);
  }
  if (out.contacts.length === 0) problems.push('no Contact field (required)');
  if (!out.expires) problems.push('no Expires field (required)');
  return out;
}

export type SecurityTxtSignature = 'unsigned' | 'valid' | 'invalid' | 'unknown-key';

/** Check a cleartext-signed security.txt against candidate public keys (armored). */
export async function verifySecurityTxt(text: string, armoredKeys: string[]): Promise<{ status: SecurityTxtSignature; fingerprint: string | null }> {
  if (!text.trimStart().startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return { status: 'unsigned', fingerprint: null };
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch {
    return { status: 'invalid', fingerprint: null };
  }
  const keys: openpgp.PublicKey[] = [];
  for (const armored of armoredKeys) {
    try {
      keys.push(await openpgp.readKey({ armoredKey: armored }));
    } catch {
      // a broken key in the directory cannot verify anything
    }
  }
  if (keys.length === 0) return { status: 'unknown-key', fingerprint: null };
  const result = await openpgp.verify({ message, verificationKeys: keys, expectSigned: false });
  const sig = result.signatures[0];
  if (!sig) return { status: 'invalid', fingerprint: null };
  const signer = keys.find((k) => k.getKeys(sig.keyID).length > 0);
  if (!signer) return { status: 'unknown-key', fingerprint: null };
  try {
    await sig.verified;
    return { status: 'valid', fingerprint: signer.getFingerprint().toUpperCase() };
  } catch {
    return { status: 'invalid', fingerprint: signer.getFingerprint().toUpperCase() };
  }
}
