import { z } from 'zod';
import { systemActor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../../domain/password-policy.js';
import type { Language } from '../../domain/organisation.schema.js';
import { audit } from '../audit.service.js';
import type { ServiceDeps } from '../deps.js';
import { enqueueMail, prepareMail } from '../outbound-mail.service.js';
import { parseInput } from '../validate.js';
import { hashPassword, hashToken, randomToken } from './secrets.js';
import { assertNotThrottled, recordFailure } from './throttle.js';

export const PASSWORD_RESET_JOB = 'auth.password-reset';

/** How long a reset link works. */
export const RESET_LINK_MINUTES = 30;

/** Requests per minute: per address asking, and per account e-mail asked for. */
const LIMITS = { perAddress: 5, perEmail: 3 };

export const PasswordResetRequestSchema = z.strictObject({ email: z.email().max(320) });
export const PasswordResetConfirmSchema = z.strictObject({
  token: z.string().min(20).max(200),
  newPassword: z.string().max(MAX_PASSWORD_LENGTH),
});

const RESET_ACTOR = systemActor('password-reset');

/**
 * Ask for a reset link. The answer is the same whether the address belongs
 * to an account or not, and so is the work done here: the lookup, the link
 * and the mail happen in a background job.
 */
export async function requestPasswordReset(deps: ServiceDeps, input: unknown, client: { ip: string | null }): Promise<void> {
  const { email } = parseInput(PasswordResetRequestSchema, input);
  const now = deps.clock();
  const keys = [`reset:addr:${client.ip ?? '-'}`, `reset:email:${email.toLowerCase()}`];
  await assertNotThrottled(
    deps.store,
    [
      { key: keys[0]!, limit: LIMITS.perAddress },
      { key: keys[1]!, limit: LIMITS.perEmail },
    ],
    now,
  );
  await deps.store.transaction(async (tx) => {
    await recordFailure(tx, keys, now);
    await tx.jobs.enqueue({ kind: PASSWORD_RESET_JOB, payload: { email, ip: client.ip }, runAt: now.toISOString(), maxAttempts: 3 }, now.toISOString());
  });
  deps.wakeJobs();
}

const MAIL: Record<Language, { subject: string; body: (name: string, link: string, minutes: number, team: string) => string }> = {
  ja: {
    subject: 'パスワード再設定のご案内',
    body: (name, link, minutes, team) =>
      `${name} 様\n\nRenkei のパスワード再設定が申請されました。\n次のリンクから ${minutes} 分以内に新しいパスワードを設定してください（一度だけ使えます）。\n\n${link}\n\n心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。\n\n--\n${team}\n`,
  },
  en: {
    subject: 'Resetting your Renkei password',
    body: (name, link, minutes, team) =>
      `Dear ${name},\n\nSomeone asked to reset your Renkei password.\nSet a new one within ${minutes} minutes with this link (it works once):\n\n${link}\n\nIf it was not you, ignore this message: your password stays as it is.\n\n--\n${team}\n`,
  },
};

/** The job: when the address is an active account's, void its older links, make a new one and mail it. */
export async function sendPasswordResetLink(deps: ServiceDeps, payload: unknown): Promise<'sent' | 'no-account'> {
  const { email, ip } = payload as { email: string; ip: string | null };
  const account = await deps.store.accounts.findByEmail(email);
  if (!account || account.isDisabled) return 'no-account';
  const token = randomToken(32);
  const now = deps.clock();
  const at = now.toISOString();
  // In the fragment: browsers do not send it to the server, so it stays out of access logs and Referer headers.
  const link = `${deps.settings.team.publicUrl}/reset-password#token=${token}`;
  const text = MAIL[account.language];
  const prepared = await prepareMail(deps, {
    kind: 'password-reset',
    to: [{ name: account.displayName, address: account.email }],
    subject: text.subject,
    text: text.body(account.displayName, link, RESET_LINK_MINUTES, deps.settings.team.name),
    language: account.language,
    headers: { 'Auto-Submitted': 'auto-generated' },
    isSecret: true,
  });
  await deps.store.transaction(async (tx) => {
    await tx.accounts.voidPasswordResets(account.id, at);
    await tx.accounts.insertPasswordReset(hashToken(token), account.id, at, new Date(now.getTime() + RESET_LINK_MINUTES * 60_000).toISOString());
    await enqueueMail(deps, tx, RESET_ACTOR, prepared, at);
    await audit(tx, { id: RESET_ACTOR.id, ip }, 'account.password-reset-requested', { type: 'account', id: account.id });
  });
  deps.wakeJobs();
  return 'sent';
}

/**
 * Set a new password with a link's token: once, before it expires, for an
 * account that is still active. Every session of the account ends; the
 * second factor is still asked at the next sign-in.
 */
export async function confirmPasswordReset(deps: ServiceDeps, input: unknown, client: { ip: string | null }): Promise<void> {
  const { token, newPassword } = parseInput(PasswordResetConfirmSchema, input);
  const now = deps.clock();
  const addressKey = `reset:confirm:${client.ip ?? '-'}`;
  await assertNotThrottled(deps.store, [{ key: addressKey, limit: 10 }], now);
  const invalid = async () => {
    await recordFailure(deps.store, [addressKey], now);
    return new AppError('VALIDATION', 'this reset link is not valid: it may have expired or been used already; ask for a new one', {
      issues: [{ path: ['token'], message: 'invalid, expired or used' }],
    });
  };
  const hash = hashToken(token);
  const row = await deps.store.accounts.findPasswordReset(hash);
  if (!row || row.used_at || row.expires_at <= now.toISOString()) throw await invalid();
  const account = await deps.store.accounts.findById(row.account_id);
  if (!account || account.isDisabled) throw await invalid();
  const problem = passwordProblem(newPassword, account);
  if (problem) throw new AppError('VALIDATION', problem, { issues: [{ path: ['newPassword'], message: problem }] });
  const passwordHash = await hashPassword(newPassword);
  const used = await deps.store.transaction(async (tx) => {
    const at = deps.clock().toISOString();
    if (!(await tx.accounts.usePasswordReset(hash, at))) return false;
    await tx.accounts.voidPasswordResets(account.id, at);
    await tx.accounts.setPassword(account.id, passwordHash, at);
    await tx.accounts.revokeSessionsOf(account.id, at);
    await audit(tx, { id: account.id, ip: client.ip }, 'account.password-reset', { type: 'account', id: account.id }, { by: 'e-mailed link' });
    return true;
  });
  if (!used) throw await invalid();
}
