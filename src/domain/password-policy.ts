import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

let common: Set<string> | undefined;
/** ~49,000 of the most used passwords (the zxcvbn-ts common list), loaded on first use. */
const commonPasswords = (): Set<string> => (common ??= new Set(dictionary['passwords-common']));

/**
 * NIST SP 800-63B style: a minimum length, no composition rules, and a
 * check against passwords known to be common or derived from the account.
 * Returns the problem in English, or undefined when the password is fine.
 */
export function passwordProblem(password: string, context: { email?: string; displayName?: string } = {}): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return 'this password is on the list of commonly used passwords';
  if (/^(.)\1+$/u.test(password)) return 'the password must not be one repeated character';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'the password must not contain the e-mail address';
  if (context.displayName && context.displayName.length >= 4 && lower.includes(context.displayName.toLowerCase()))
    return 'the password must not contain the name';
  return undefined;
}
