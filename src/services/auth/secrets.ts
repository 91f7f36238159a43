import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's current minimum (m = 19 MiB, t = 2, p = 1), by the
 * native @node-rs/argon2: about 5 ms per hash on this machine kind (2 vCPU);
 * `npm run bench policy` measures a whole sign-in.
 */
// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/** A hash of a password nobody knows: verified against when the account does not exist, so timing tells nothing. */
let dummy: Promise<string> | undefined;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    await verify(await (dummy ??= hashPassword(randomBytes(16).toString('hex'))), password);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A random secret for a session cookie, an API token or a CSRF token. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens are high-entropy, so one SHA-256 is enough to store them; the plain token is never stored. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A password for a new account or a reset, printed once: 24 characters of base64url. */
export const randomPassword = (): string => randomBytes(18).toString('base64url');
