import { z } from 'zod';
import { ROLES, STAFF_ROLES, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { LANGUAGES } from '../../domain/organisation.schema.js';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../../domain/password-policy.js';
import { singleLine } from '../../domain/text.js';
import { publicAccount, type Account } from '../../store/repositories/account.repository.js';
import type { Store } from '../../store/store.js';
import { assertCan } from '../access.policy.js';
import { audit } from '../audit.service.js';
import type { ServiceDeps } from '../deps.js';
import { parseInput } from '../validate.js';
import { hashPassword, randomPassword, verifyPassword } from './secrets.js';

const constituencyKey = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a constituency key such as finance or gov');

export const AccountCreateSchema = z.strictObject({
  email: z.email().max(320).transform((e) => e.toLowerCase()),
  displayName: singleLine(200),
  language: z.enum(LANGUAGES).default('ja'),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  constituencies: z.array(constituencyKey).max(50).default([]),
  organisationId: z.uuid().nullable().default(null),
  /** Omit to have a random one generated and returned once. */
  password: z.string().max(MAX_PASSWORD_LENGTH).optional(),
});
export type AccountCreateInput = z.input<typeof AccountCreateSchema>;

export const AccountUpdateSchema = z.strictObject({
  displayName: singleLine(200).optional(),
  language: z.enum(LANGUAGES).optional(),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).optional(),
  constituencies: z.array(constituencyKey).max(50).optional(),
  organisationId: z.uuid().nullable().optional(),
  isDisabled: z.boolean().optional(),
});

/** What people may change of their own account. */
export const OwnAccountUpdateSchema = z.strictObject({
  displayName: singleLine(200).optional(),
  language: z.enum(LANGUAGES).optional(),
});

export const PasswordChangeSchema = z.strictObject({
  currentPassword: z.string().max(MAX_PASSWORD_LENGTH),
  newPassword: z.string().max(MAX_PASSWORD_LENGTH),
});

function assertGoodPassword(password: string, context: { email: string; displayName: string }, field: string): void {
  const problem = passwordProblem(password, context);
  if (problem) throw new AppError('VALIDATION', problem, { issues: [{ path: [field], message: problem }] });
}

async function assertPartnerOrganisation(tx: Store, roles: readonly string[], organisationId: string | null): Promise<void> {
  if (roles.includes('partner') && !organisationId)
    throw new AppError('VALIDATION', 'a partner account belongs to an organisation', {
      issues: [{ path: ['organisationId'], message: 'required for the partner role' }],
    });
  if (roles.includes('partner') && roles.some((r) => STAFF_ROLES.includes(r as never)))
    throw new AppError('VALIDATION', 'an account is either the team’s staff or a partner, not both', {
      issues: [{ path: ['roles'], message: 'partner cannot be combined with staff roles' }],
    });
  if (organisationId && !(await tx.organisations.findById(organisationId)))
    throw new AppError('VALIDATION', `organisation ${organisationId} does not exist`, { issues: [{ path: ['organisationId'], message: 'no such organisation' }] });
}

/** Create an account; when no password is given, a random one is generated and returned once. */
export async function createAccount(
  deps: ServiceDeps,
  actor: Actor,
  input: AccountCreateInput,
): Promise<{ account: Account; initialPassword?: string }> {
  assertCan(actor, 'account.admin');
  const data = parseInput(AccountCreateSchema, input);
  const generated = data.password === undefined ? randomPassword() : undefined;
  const password = data.password ?? generated!;
  if (data.password !== undefined) assertGoodPassword(password, data, 'password');
  const passwordHash = await hashPassword(password);
  const account = await deps.store.transaction(async (tx) => {
    if (await tx.accounts.findByEmail(data.email)) throw new AppError('CONFLICT', `an account for ${data.email} already exists`);
    await assertPartnerOrganisation(tx, data.roles, data.organisationId);
    const at = deps.clock().toISOString();
    const id = newId();
    await tx.accounts.insert({
      id,
      email: data.email,
      displayName: data.displayName,
      language: data.language,
      roles: [...new Set(data.roles)],
      constituencies: data.constituencies,
      organisationId: data.organisationId,
      hasPassword: true,
      isTotpEnabled: false,
      isDisabled: false,
      createdAt: at,
      updatedAt: at,
      passwordHash,
      totpSecret: null,
      totpLastStep: null,
    });
    await audit(tx, actor, 'account.created', { type: 'account', id }, { email: data.email, roles: data.roles });
    return publicAccount((await tx.accounts.findById(id))!);
  });
  return generated ? { account, initialPassword: generated } : { account };
}

/** Change roles, constituencies, language or disable; disabling ends every session at once. */
export async function updateAccount(deps: ServiceDeps, actor: Actor, id: string, input: unknown): Promise<Account> {
  assertCan(actor, 'account.admin');
  const patch = parseInput(AccountUpdateSchema, input);
  return deps.store.transaction(async (tx) => {
    const before = await tx.accounts.findById(id);
    if (!before) throw notFound('account', id);
    const roles = patch.roles ?? before.roles;
    await assertPartnerOrganisation(tx, roles, patch.organisationId === undefined ? before.organisationId : patch.organisationId);
    if (before.roles.includes('administrator') && (!roles.includes('administrator') || patch.isDisabled) && (await tx.accounts.countAdministrators()) <= 1)
      throw new AppError('CONFLICT', 'this is the last administrator; make another one first');
    const at = deps.clock().toISOString();
    await tx.accounts.update(id, patch, at);
    const ended = patch.isDisabled ? await tx.accounts.revokeSessionsOf(id, at) : 0;
    await audit(tx, actor, patch.isDisabled ? 'account.disabled' : 'account.updated', { type: 'account', id }, { ...patch, sessionsEnded: ended });
    return publicAccount((await tx.accounts.findById(id))!);
  });
}

export async function listAccounts(deps: ServiceDeps, actor: Actor): Promise<Account[]> {
  assertCan(actor, 'account.admin');
  return deps.store.accounts.list();
}

/** Change one's own display name or language (the language of the UI and of mail to them). */
export async function updateOwnAccount(deps: ServiceDeps, actor: Actor, input: unknown): Promise<Account> {
  const patch = parseInput(OwnAccountUpdateSchema, input);
  return deps.store.transaction(async (tx) => {
    if (!(await tx.accounts.findById(actor.id))) throw notFound('account', actor.id);
    await tx.accounts.update(actor.id, patch, deps.clock().toISOString());
    await audit(tx, actor, 'account.updated', { type: 'account', id: actor.id }, { ...patch, self: true });
    return publicAccount((await tx.accounts.findById(actor.id))!);
  });
}

export async function getOwnAccount(deps: ServiceDeps, actor: Actor): Promise<Account> {
  const account = await deps.store.accounts.findById(actor.id);
  if (!account) throw notFound('account', actor.id);
  return publicAccount(account);
}

/** Change one's own password (the current one is required); other sessions end. */
export async function changePassword(deps: ServiceDeps, actor: Actor, input: unknown, currentSessionId?: string): Promise<void> {
  const { currentPassword, newPassword } = parseInput(PasswordChangeSchema, input);
  const account = await deps.store.accounts.findById(actor.id);
  if (!account) throw notFound('account', actor.id);
  if (!(await verifyPassword(account.passwordHash, currentPassword)))
    throw new AppError('VALIDATION', 'the current password is wrong', { issues: [{ path: ['currentPassword'], message: 'wrong password' }] });
  assertGoodPassword(newPassword, account, 'newPassword');
  const hash = await hashPassword(newPassword);
  await deps.store.transaction(async (tx) => {
    const at = deps.clock().toISOString();
    await tx.accounts.setPassword(account.id, hash, at);
    await tx.accounts.revokeSessionsOf(account.id, at, currentSessionId);
    await audit(tx, actor, 'account.password-changed', { type: 'account', id: account.id });
  });
}

/** An administrator (or the console) sets a new random password, printed once; every session ends. */
export async function resetPassword(deps: ServiceDeps, actor: Actor, email: string): Promise<string> {
  assertCan(actor, 'account.admin');
  const account = await deps.store.accounts.findByEmail(email);
  if (!account) throw notFound('account', email);
  const password = randomPassword();
  const hash = await hashPassword(password);
  await deps.store.transaction(async (tx) => {
    const at = deps.clock().toISOString();
    await tx.accounts.setPassword(account.id, hash, at);
    await tx.accounts.revokeSessionsOf(account.id, at);
    await audit(tx, actor, 'account.password-reset', { type: 'account', id: account.id });
  });
  return password;
}

export interface Bootstrap {
  created: boolean;
  email?: string;
  /** Only when generated: print once, never log. */
  password?: string;
}

/**
 * First start: when no administrator exists, create one — from
 * RENKEI_ADMIN_EMAIL / RENKEI_ADMIN_PASSWORD when set, otherwise with a
 * random password returned once. TOTP enrolment is required at first sign-in.
 */
export async function bootstrapAdministrator(
  deps: ServiceDeps,
  actor: Actor,
  env: { email?: string; password?: string },
): Promise<Bootstrap> {
  if ((await deps.store.accounts.countAdministrators()) > 0) return { created: false };
  const email = env.email ?? 'admin@renkei.invalid';
  const result = await createAccount(deps, actor, {
    email,
    displayName: 'Administrator',
    roles: ['administrator', 'lead'],
    language: 'ja',
    ...(env.password ? { password: env.password } : {}),
  });
  return { created: true, email: result.account.email, ...(result.initialPassword ? { password: result.initialPassword } : {}) };
}
