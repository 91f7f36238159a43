import { z } from 'zod';
import { TOKEN_SCOPES, type Actor } from '../../domain/actor.js';
import { AppError, notFound } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { singleLine } from '../../domain/text.js';
import { publicAccount, type ApiToken } from '../../store/repositories/account.repository.js';
import { audit } from '../audit.service.js';
import type { ServiceDeps } from '../deps.js';
import { parseInput } from '../validate.js';
import { hashToken, randomToken } from './secrets.js';
import { actorOf } from './session.service.js';
import { assertNotThrottled, recordFailure } from './throttle.js';

export const TokenCreateSchema = z.strictObject({
  name: singleLine(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1).max(TOKEN_SCOPES.length),
  /** Days until it stops working; omit for no expiry. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type TokenCreateInput = z.input<typeof TokenCreateSchema>;

const PREFIX = 'rk_';

/** Create an API token for an account; the token is returned once and stored only as a hash. */
export async function createToken(deps: ServiceDeps, actor: Actor, accountId: string, input: TokenCreateInput): Promise<{ token: string; apiToken: ApiToken }> {
  const { name, scopes, expiresInDays } = parseInput(TokenCreateSchema, input);
  if (actor.kind !== 'system' && actor.id !== accountId && !actor.roles.includes('administrator'))
    throw new AppError('FORBIDDEN', 'only an administrator creates tokens for someone else');
  if (actor.tokenScopes) throw new AppError('FORBIDDEN', 'a token cannot create tokens; sign in to do that');
  const account = await deps.store.accounts.findById(accountId);
  if (!account) throw notFound('account', accountId);
  const now = deps.clock();
  const apiToken: ApiToken = {
    id: newId(),
    accountId,
    name,
    scopes: [...new Set(scopes)],
    createdAt: now.toISOString(),
    expiresAt: expiresInDays ? new Date(now.getTime() + expiresInDays * 86_400_000).toISOString() : null,
    lastUsedAt: null,
    revokedAt: null,
  };
  const token = `${PREFIX}${randomToken()}`;
  await deps.store.transaction(async (tx) => {
    await tx.accounts.insertToken(apiToken, hashToken(token));
    await audit(tx, actor, 'token.created', { type: 'api-token', id: apiToken.id }, { account: accountId, name, scopes });
  });
  return { token, apiToken };
}

export async function listTokens(deps: ServiceDeps, actor: Actor): Promise<ApiToken[]> {
  return deps.store.accounts.listTokens(actor.id);
}

export async function revokeToken(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    if (!(await tx.accounts.revokeToken(actor.id, id, deps.clock().toISOString()))) throw notFound('token', id);
    await audit(tx, actor, 'token.revoked', { type: 'api-token', id });
  });
}

/**
 * The actor behind a bearer token: the account's own rights narrowed to the
 * token's scopes. Failed attempts are throttled per address.
 */
export async function authenticateToken(deps: ServiceDeps, token: string, ip: string | null): Promise<Actor> {
  const now = deps.clock();
  const keys = ip ? [{ key: `token-ip:${ip}`, limit: deps.settings.auth.throttle.perAddress }] : [];
  await assertNotThrottled(deps.store, keys, now);
  const found = token.startsWith(PREFIX) ? await deps.store.accounts.findTokenByHash(hashToken(token)) : undefined;
  const account = found && (await deps.store.accounts.findById(found.accountId));
  if (!found || found.revokedAt || (found.expiresAt && found.expiresAt <= now.toISOString()) || !account || account.isDisabled) {
    await recordFailure(deps.store, keys.map((k) => k.key), now);
    throw new AppError('UNAUTHENTICATED', 'the API token is not valid (unknown, revoked or expired)');
  }
  if (!found.lastUsedAt || now.getTime() - Date.parse(found.lastUsedAt) > 60_000) await deps.store.accounts.touchToken(found.id, now.toISOString());
  return { ...actorOf(publicAccount(account), ip), tokenScopes: found.scopes };
}
