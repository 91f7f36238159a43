import { z } from 'zod';
import { STAFF_ROLES, type Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { publicAccount, type Account, type AccountSecrets, type Session } from '../../store/repositories/account.repository.js';

export type { Account, Session };
/** An account without its secrets (for the edges, which may not import the store). */
export const publicAccountOf = publicAccount;
import { audit } from '../audit.service.js';
import type { ServiceDeps } from '../deps.js';
import { parseInput } from '../validate.js';
import { hashToken, randomToken, verifyPassword } from './secrets.js';
import { assertNotThrottled, recordFailure } from './throttle.js';
import { checkTotp } from './totp.js';

export const SignInSchema = z.strictObject({
  email: z.string().max(320).transform((e) => e.trim().toLowerCase()),
  password: z.string().max(1024),
});

export const SecondFactorSchema = z.strictObject({
  /** A 6-digit code from the authenticator, or one of the recovery codes. */
  code: z.string().trim().min(6).max(64),
});

/** What the client must do next after signing in. */
export type NextStep = 'done' | 'totp' | 'enrol-totp';

export interface SignedIn {
  /** The session cookie's value: shown to the browser once, stored only hashed. */
  sessionToken: string;
  csrfToken: string;
  session: Session;
  account: Account;
  next: NextStep;
}

export interface Client {
  ip: string | null;
  userAgent: string | null;
}

const WRONG = () => new AppError('UNAUTHENTICATED', 'the e-mail address or the password is wrong');

/** Staff must use a second factor; partners may. */
export const requiresTotp = (a: Pick<Account, 'roles' | 'isTotpEnabled'>): boolean =>
  a.isTotpEnabled || a.roles.some((r) => STAFF_ROLES.includes(r));

const nextStep = (a: Account): NextStep => (!requiresTotp(a) ? 'done' : a.isTotpEnabled ? 'totp' : 'enrol-totp');

/**
 * Password sign-in. Throttled per account and per address before anything
 * is checked; the same answer (and timing) whether the account exists, is
 * disabled or the password is wrong.
 */
export async function signIn(deps: ServiceDeps, input: unknown, client: Client): Promise<SignedIn> {
  const { email, password } = parseInput(SignInSchema, input);
  const now = deps.clock();
  const { perAccount, perAddress } = deps.settings.auth.throttle;
  const keys = [{ key: `account:${email}`, limit: perAccount }, ...(client.ip ? [{ key: `ip:${client.ip}`, limit: perAddress }] : [])];
  await assertNotThrottled(deps.store, keys, now);
  const account = await deps.store.accounts.findByEmail(email);
  const ok = await verifyPassword(account?.passwordHash ?? null, password);
  if (!ok || !account || account.isDisabled) {
    await deps.store.transaction(async (tx) => {
      await recordFailure(tx, keys.map((k) => k.key), now);
      await audit(tx, { id: account?.id ?? `unknown:${email}`, ip: client.ip }, 'auth.sign-in-failed', null, {
        email,
        reason: !account ? 'unknown account' : account.isDisabled ? 'disabled' : 'wrong password',
      });
    });
    throw WRONG();
  }
  return startSession(deps, account, client, nextStep(publicAccount(account)) === 'done');
}

async function startSession(deps: ServiceDeps, account: Account & AccountSecrets, client: Client, isMfaPassed: boolean): Promise<SignedIn> {
  const now = deps.clock();
  const sessionToken = randomToken();
  const session: Session = {
    id: newId(),
    accountId: account.id,
    csrfToken: randomToken(24),
    isMfaPassed,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.settings.auth.sessionMaxHours * 3_600_000).toISOString(),
    revokedAt: null,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 500) ?? null,
  };
  await deps.store.transaction(async (tx) => {
    await tx.accounts.insertSession(session, hashToken(sessionToken));
    await audit(tx, { id: account.id, ip: client.ip }, 'auth.signed-in', { type: 'session', id: session.id }, { mfa: isMfaPassed ? 'not required' : 'pending' });
  });
  const pub = publicAccount(account);
  return { sessionToken, csrfToken: session.csrfToken, session, account: pub, next: isMfaPassed ? 'done' : nextStep(pub) };
}

/** The second step: a TOTP code (each used once) or a recovery code (single use). */
export async function verifySecondFactor(deps: ServiceDeps, session: Session, input: unknown, client: Client): Promise<void> {
  const { code } = parseInput(SecondFactorSchema, input);
  const now = deps.clock();
  const keys = [{ key: `account-id:${session.accountId}`, limit: deps.settings.auth.throttle.perAccount }];
  await assertNotThrottled(deps.store, keys, now);
  const account = await deps.store.accounts.findById(session.accountId);
  if (!account?.isTotpEnabled || !account.totpSecret) throw new AppError('CONFLICT', 'no second factor is enrolled; enrol one first');
  const step = await checkTotp(account.totpSecret, code, now, account.totpLastStep);
  const ok = await deps.store.transaction(async (tx) => {
    const accepted =
      step !== undefined ? await tx.accounts.claimTotpStep(account.id, step) : await tx.accounts.useRecoveryCode(account.id, hashToken(code.replace(/[\s-]/g, '').toLowerCase()), now.toISOString());
    if (accepted) {
      await tx.accounts.passMfa(session.id);
      await audit(tx, { id: account.id, ip: client.ip }, 'auth.second-factor', { type: 'session', id: session.id }, { method: step !== undefined ? 'totp' : 'recovery-code' });
    } else {
      await recordFailure(tx, keys.map((k) => k.key), now);
      await audit(tx, { id: account.id, ip: client.ip }, 'auth.second-factor-failed', { type: 'session', id: session.id });
    }
    return accepted;
  });
  if (!ok) throw new AppError('UNAUTHENTICATED', 'the code is wrong or was already used');
}

export type Authenticated = { actor: Actor; session: Session; account: Account };

/**
 * The session behind a cookie, if it is still good: not revoked, not past
 * its absolute lifetime, not idle too long, and its account not disabled.
 */
export async function authenticateSession(deps: ServiceDeps, token: string, ip: string | null): Promise<Authenticated | undefined> {
  const session = await deps.store.accounts.findSessionByTokenHash(hashToken(token));
  if (!session || session.revokedAt) return undefined;
  const now = deps.clock();
  const idleMs = deps.settings.auth.sessionIdleMinutes * 60_000;
  if (now.toISOString() >= session.expiresAt || now.getTime() - Date.parse(session.lastSeenAt) > idleMs) return undefined;
  const account = await deps.store.accounts.findById(session.accountId);
  if (!account || account.isDisabled) return undefined;
  // Refresh the idle clock at most once a minute, so reads stay reads.
  if (now.getTime() - Date.parse(session.lastSeenAt) > 60_000) await deps.store.accounts.touchSession(session.id, now.toISOString());
  const pub = publicAccount(account);
  return { actor: actorOf(pub, ip), session, account: pub };
}

export function actorOf(a: Account, ip: string | null): Actor {
  return {
    kind: 'user',
    id: a.id,
    displayName: a.displayName,
    roles: a.roles,
    constituencies: a.constituencies,
    organisationId: a.organisationId,
    language: a.language,
    ip,
  };
}

export async function signOut(deps: ServiceDeps, actor: Actor, session: Session): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await tx.accounts.revokeSession(session.id, deps.clock().toISOString());
    await audit(tx, actor, 'auth.signed-out', { type: 'session', id: session.id });
  });
}

/** Sign out everywhere: every session of the account ends at once. */
export async function signOutEverywhere(deps: ServiceDeps, actor: Actor): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const n = await tx.accounts.revokeSessionsOf(actor.id, deps.clock().toISOString());
    await audit(tx, actor, 'auth.signed-out-everywhere', { type: 'account', id: actor.id }, { sessions: n });
    return n;
  });
}
