import { sql, type Kysely, type Selectable } from 'kysely';
import type { Role, TokenScope } from '../../domain/actor.js';
import type { Language } from '../../domain/organisation.schema.js';
import type { AccountTable, ApiTokenTable, DB, SessionTable } from '../schema.js';

export interface Account {
  id: string;
  email: string;
  displayName: string;
  language: Language;
  roles: Role[];
  constituencies: string[];
  organisationId: string | null;
  hasPassword: boolean;
  isTotpEnabled: boolean;
  isDisabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The secrets of an account, read only by the sign-in use cases. */
export interface AccountSecrets {
  passwordHash: string | null;
  totpSecret: string | null;
  totpLastStep: number | null;
}

export interface Session {
  id: string;
  accountId: string;
  csrfToken: string;
  isMfaPassed: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface ApiToken {
  id: string;
  accountId: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function createAccountRepository(db: Kysely<DB>) {
  return {
    async insert(a: Account & AccountSecrets): Promise<void> {
      await db
        .insertInto('account')
        .values({
          id: a.id,
          email: a.email,
          display_name: a.displayName,
          language: a.language,
          roles: JSON.stringify(a.roles),
          constituencies: JSON.stringify(a.constituencies),
          organisation_id: a.organisationId,
          password_hash: a.passwordHash,
          password_changed_at: a.passwordHash ? a.createdAt : null,
          totp_secret: a.totpSecret,
          totp_enabled_at: null,
          totp_last_step: null,
          is_disabled: a.isDisabled ? 1 : 0,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
        })
        .execute();
    },

    async update(
      id: string,
      patch: Partial<Pick<Account, 'displayName' | 'language' | 'roles' | 'constituencies' | 'organisationId' | 'isDisabled'>>,
      at: string,
    ): Promise<void> {
      await db
        .updateTable('account')
        .set({
          ...(patch.displayName !== undefined && { display_name: patch.displayName }),
          ...(patch.language !== undefined && { language: patch.language }),
          ...(patch.roles !== undefined && { roles: JSON.stringify(patch.roles) }),
          ...(patch.constituencies !== undefined && { constituencies: JSON.stringify(patch.constituencies) }),
          ...(patch.organisationId !== undefined && { organisation_id: patch.organisationId }),
          ...(patch.isDisabled !== undefined && { is_disabled: patch.isDisabled ? 1 : 0 }),
          updated_at: at,
        })
        .where('id', '=', id)
        .execute();
    },

    async setPassword(id: string, hash: string, at: string): Promise<void> {
      await db.updateTable('account').set({ password_hash: hash, password_changed_at: at, updated_at: at }).where('id', '=', id).execute();
    },

    async setTotp(id: string, secret: string | null, enabledAt: string | null, at: string): Promise<void> {
      await db
        .updateTable('account')
        .set({ totp_secret: secret, totp_enabled_at: enabledAt, totp_last_step: null, updated_at: at })
        .where('id', '=', id)
        .execute();
    },

    /** Record the last TOTP time step used, refusing a replay: true when `step` is newer than the last one. */
    async claimTotpStep(id: string, step: number): Promise<boolean> {
      const r = await db
        .updateTable('account')
        .set({ totp_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async findById(id: string): Promise<(Account & AccountSecrets) | undefined> {
      const row = await db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAccount(row);
    },

    async findByEmail(email: string): Promise<(Account & AccountSecrets) | undefined> {
      const row = await db.selectFrom('account').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
      return row && toAccount(row);
    },

    async list(): Promise<Account[]> {
      const rows = await db.selectFrom('account').selectAll().orderBy('email').execute();
      return rows.map((r) => publicAccount(toAccount(r)));
    },

    async countAdministrators(): Promise<number> {
      const rows = await db.selectFrom('account').select('roles').where('is_disabled', '=', 0).execute();
      return rows.filter((r) => (JSON.parse(r.roles) as Role[]).includes('administrator')).length;
    },

    // Sessions

    async insertSession(s: Session, tokenHash: string): Promise<void> {
      await db
        .insertInto('session')
        .values({
          id: s.id,
          token_hash: tokenHash,
          account_id: s.accountId,
          csrf_token: s.csrfToken,
          is_mfa_passed: s.isMfaPassed ? 1 : 0,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          revoked_at: null,
          ip: s.ip,
          user_agent: s.userAgent,
        })
        .execute();
    },

    async findSessionByTokenHash(tokenHash: string): Promise<Session | undefined> {
      const row = await db.selectFrom('session').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toSession(row);
    },

    async touchSession(id: string, at: string): Promise<void> {
      await db.updateTable('session').set({ last_seen_at: at }).where('id', '=', id).execute();
    },

    async passMfa(id: string): Promise<void> {
      await db.updateTable('session').set({ is_mfa_passed: 1 }).where('id', '=', id).execute();
    },

    async revokeSession(id: string, at: string): Promise<void> {
      await db.updateTable('session').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },

    /** Sign out everywhere (or everywhere but `exceptId`). */
    async revokeSessionsOf(accountId: string, at: string, exceptId?: string): Promise<number> {
      let q = db.updateTable('session').set({ revoked_at: at }).where('account_id', '=', accountId).where('revoked_at', 'is', null);
      if (exceptId) q = q.where('id', '<>', exceptId);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },

    // API tokens

    async insertToken(t: ApiToken, tokenHash: string): Promise<void> {
      await db
        .insertInto('api_token')
        .values({
          id: t.id,
          account_id: t.accountId,
          name: t.name,
          token_hash: tokenHash,
          scopes: JSON.stringify(t.scopes),
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
    },

    async findTokenByHash(tokenHash: string): Promise<ApiToken | undefined> {
      const row = await db.selectFrom('api_token').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toToken(row);
    },

    async listTokens(accountId: string): Promise<ApiToken[]> {
      const rows = await db.selectFrom('api_token').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
      return rows.map(toToken);
    },

    async touchToken(id: string, at: string): Promise<void> {
      await db.updateTable('api_token').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async revokeToken(accountId: string, id: string, at: string): Promise<boolean> {
      const r = await db
        .updateTable('api_token')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    // Recovery codes

    async replaceRecoveryCodes(accountId: string, hashes: string[]): Promise<void> {
      await db.deleteFrom('recovery_code').where('account_id', '=', accountId).execute();
      if (hashes.length) await db.insertInto('recovery_code').values(hashes.map((code_hash) => ({ account_id: accountId, code_hash, used_at: null }))).execute();
    },

    /** Use a recovery code once: true when it existed and was unused. */
    async useRecoveryCode(accountId: string, hash: string, at: string): Promise<boolean> {
      const r = await db
        .updateTable('recovery_code')
        .set({ used_at: at })
        .where('account_id', '=', accountId)
        .where('code_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    // Password reset links (only the SHA-256 of the token is kept)

    async insertPasswordReset(tokenHash: string, accountId: string, at: string, expiresAt: string): Promise<void> {
      await db.insertInto('password_reset').values({ token_hash: tokenHash, account_id: accountId, created_at: at, expires_at: expiresAt, used_at: null }).execute();
    },

    async findPasswordReset(tokenHash: string) {
      return (await db.selectFrom('password_reset').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()) ?? null;
    },

    /** Single use: true for exactly one caller, however many try at once. */
    async usePasswordReset(tokenHash: string, at: string): Promise<boolean> {
      const r = await db
        .updateTable('password_reset')
        .set({ used_at: at })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** A new link, or a used one, makes the account's other open links void. */
    async voidPasswordResets(accountId: string, at: string): Promise<void> {
      await db.updateTable('password_reset').set({ used_at: at }).where('account_id', '=', accountId).where('used_at', 'is', null).execute();
    },

    // Throttling

    /** Failures counted for `key` in the buckets starting at or after `since`. */
    async failuresSince(key: string, since: string): Promise<number> {
      const row = await db
        .selectFrom('throttle')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), eb.val(0)).as('n'))
        .where('key', '=', key)
        .where('window_start', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async addFailure(key: string, windowStart: string): Promise<void> {
      await db
        .insertInto('throttle')
        .values({ key, window_start: windowStart, count: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`throttle.count + 1` }))
        .execute();
    },

    /** Count one event for `key` in its window and return the window's count, atomically (two callers never both see "under the limit" for the last slot). */
    async bump(key: string, windowStart: string): Promise<number> {
      const row = await db
        .insertInto('throttle')
        .values({ key, window_start: windowStart, count: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`throttle.count + 1` }))
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async pruneThrottle(before: string): Promise<void> {
      await db.deleteFrom('throttle').where('window_start', '<', before).execute();
    },
  };
}
export type AccountRepository = ReturnType<typeof createAccountRepository>;

export const publicAccount = ({ passwordHash: _p, totpSecret: _t, totpLastStep: _s, ...a }: Account & AccountSecrets): Account => a;

function toAccount(r: Selectable<AccountTable>): Account & AccountSecrets {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    language: r.language as Language,
    roles: JSON.parse(r.roles) as Role[],
    constituencies: JSON.parse(r.constituencies) as string[],
    organisationId: r.organisation_id,
    hasPassword: r.password_hash !== null,
    isTotpEnabled: r.totp_enabled_at !== null,
    isDisabled: Number(r.is_disabled) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    passwordHash: r.password_hash,
    totpSecret: r.totp_secret,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  };
}

function toSession(r: Selectable<SessionTable>): Session {
  return {
    id: r.id,
    accountId: r.account_id,
    csrfToken: r.csrf_token,
    isMfaPassed: Number(r.is_mfa_passed) === 1,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    ip: r.ip,
    userAgent: r.user_agent,
  };
}

function toToken(r: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as TokenScope[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}
