import { randomBytes } from 'node:crypto';
import type { Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Session } from '../../store/repositories/account.repository.js';
import { audit } from '../audit.service.js';
import type { ServiceDeps } from '../deps.js';
import { parseInput } from '../validate.js';
import { hashToken } from './secrets.js';
import { SecondFactorSchema } from './session.service.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';

const RECOVERY_CODES = 10;

/** Start (or restart) TOTP enrolment: a new secret, not active until a code from it is confirmed. */
export async function beginTotpEnrolment(deps: ServiceDeps, actor: Actor): Promise<{ secret: string; uri: string }> {
  const account = await deps.store.accounts.findById(actor.id);
  if (!account) throw notFound('account', actor.id);
  if (account.isTotpEnabled) throw new AppError('CONFLICT', 'a second factor is already enrolled');
  const secret = newTotpSecret();
  await deps.store.accounts.setTotp(account.id, secret, null, deps.clock().toISOString());
  return { secret, uri: totpUri(secret, account.email) };
}

/**
 * Confirm enrolment with a code from the authenticator: the factor becomes
 * active, the session counts as having passed it, and ten single-use
 * recovery codes are returned once (stored hashed).
 */
export async function confirmTotpEnrolment(deps: ServiceDeps, actor: Actor, session: Session, input: unknown): Promise<{ recoveryCodes: string[] }> {
  const { code } = parseInput(SecondFactorSchema, input);
  const account = await deps.store.accounts.findById(actor.id);
  if (!account) throw notFound('account', actor.id);
  if (account.isTotpEnabled) throw new AppError('CONFLICT', 'a second factor is already enrolled');
  if (!account.totpSecret) throw new AppError('CONFLICT', 'start the enrolment first');
  const now = deps.clock();
  const step = await checkTotp(account.totpSecret, code, now, null);
  if (step === undefined)
    throw new AppError('VALIDATION', 'the code does not match; check the time on the device and try again', {
      issues: [{ path: ['code'], message: 'wrong code' }],
    });
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(5).toString('hex'));
  await deps.store.transaction(async (tx) => {
    const at = now.toISOString();
    await tx.accounts.setTotp(account.id, account.totpSecret, at, at);
    await tx.accounts.claimTotpStep(account.id, step);
    await tx.accounts.replaceRecoveryCodes(account.id, recoveryCodes.map(hashToken));
    await tx.accounts.passMfa(session.id);
    await audit(tx, actor, 'auth.totp-enrolled', { type: 'account', id: account.id });
  });
  return { recoveryCodes };
}
