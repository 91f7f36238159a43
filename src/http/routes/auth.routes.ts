import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES, TOKEN_SCOPES } from '../../domain/actor.js';
import { LANGUAGES } from '../../domain/organisation.schema.js';
import type { ServiceDeps } from '../../services/deps.js';
import { changePassword, getOwnAccount, OwnAccountUpdateSchema, PasswordChangeSchema, updateOwnAccount } from '../../services/auth/account.service.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../../services/auth/enrolment.service.js';
import {
  SecondFactorSchema,
  SignInSchema,
  requiresTotp,
  type Session,
  signIn,
  signOut,
  signOutEverywhere,
  verifySecondFactor,
} from '../../services/auth/session.service.js';
import { TokenCreateSchema, createToken, listTokens, revokeToken } from '../../services/auth/token.service.js';
import { AppError } from '../../domain/errors.js';
import { SESSION_COOKIE } from '../auth.js';
import { errorResponses } from '../schemas.js';

export const AccountSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    language: z.enum(LANGUAGES),
    roles: z.array(z.enum(ROLES)),
    constituencies: z.array(z.string()),
    organisationId: z.string().nullable(),
    hasPassword: z.boolean(),
    isTotpEnabled: z.boolean(),
    isDisabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Account' });

export const ApiTokenSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });

/** POST /api/tokens: the token itself, shown once. */
export const ApiTokenCreatedSchema = z.object({ token: z.string(), apiToken: ApiTokenSchema });

const Next = z.enum(['done', 'totp', 'enrol-totp']).describe('what to do next: done, send a TOTP code, or enrol a second factor');
/** GET /api/auth/me: the signed-in account and what it still has to do. */
export const MeSchema = z.object({ account: AccountSchema, next: Next, csrfToken: z.string().nullable() });

export const authRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps; secureCookies: boolean }> = async (app, { deps, secureCookies }) => {
  const client = (req: { ip: string; headers: Record<string, unknown> }) => ({
    ip: req.ip ?? null,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  });
  const session = (req: { session?: Session }) => {
    if (!req.session) throw new AppError('CONFLICT', 'this needs a browser session, not an API token');
    return req.session;
  };

  app.post(
    '/auth/sign-in',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; sets the session cookie. Staff then pass (or enrol) a TOTP second factor',
        body: SignInSchema,
        response: { 200: z.object({ account: AccountSchema, csrfToken: z.string(), next: Next }), 401: errorResponses[400], 429: errorResponses[400], 400: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const result = await signIn(deps, req.body, client(req));
      void reply.setCookie(SESSION_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookies,
        path: '/',
        expires: new Date(result.session.expiresAt),
      });
      return { account: result.account, csrfToken: result.csrfToken, next: result.next };
    },
  );

  app.post(
    '/auth/second-factor',
    {
      config: { auth: 'pending' },
      schema: { tags: ['auth'], summary: 'Pass the second factor with a TOTP code or a recovery code', body: SecondFactorSchema, response: { 204: z.undefined(), ...errorResponses } },
    },
    async (req, reply) => {
      await verifySecondFactor(deps, session(req), req.body, client(req));
      return reply.status(204).send();
    },
  );

  app.post(
    '/auth/totp/enrol',
    {
      config: { auth: 'pending' },
      schema: {
        tags: ['auth'],
        summary: 'Start enrolling a TOTP authenticator: returns the secret and an otpauth:// URI',
        response: { 200: z.object({ secret: z.string(), uri: z.string() }), ...errorResponses },
      },
    },
    async (req) => beginTotpEnrolment(deps, req.actor),
  );

  app.post(
    '/auth/totp/confirm',
    {
      config: { auth: 'pending' },
      schema: {
        tags: ['auth'],
        summary: 'Confirm the authenticator with a code; returns ten single-use recovery codes, once',
        body: SecondFactorSchema,
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errorResponses },
      },
    },
    async (req) => confirmTotpEnrolment(deps, req.actor, session(req), req.body),
  );

  app.get(
    '/auth/me',
    {
      config: { auth: 'pending' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in account and what it still has to do',
        response: { 200: MeSchema, ...errorResponses },
      },
    },
    async (req) => {
      const account = await getOwnAccount(deps, req.actor);
      const pending = req.session && !req.session.isMfaPassed && requiresTotp(account);
      const next = pending ? (account.isTotpEnabled ? ('totp' as const) : ('enrol-totp' as const)) : ('done' as const);
      return { account, next, csrfToken: req.session?.csrfToken ?? null };
    },
  );

  app.patch(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change my own display name or language (日本語 / English)',
        body: OwnAccountUpdateSchema,
        response: { 200: AccountSchema, ...errorResponses },
      },
    },
    async (req) => updateOwnAccount(deps, req.actor, req.body),
  );

  app.post(
    '/auth/sign-out',
    { config: { auth: 'pending' }, schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.undefined(), ...errorResponses } } },
    async (req, reply) => {
      await signOut(deps, req.actor, session(req));
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
    },
  );

  app.post(
    '/auth/sign-out-everywhere',
    {
      schema: { tags: ['auth'], summary: 'End every session of this account', response: { 200: z.object({ sessionsEnded: z.number().int() }), ...errorResponses } },
    },
    async (req, reply) => {
      const sessionsEnded = await signOutEverywhere(deps, req.actor);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { sessionsEnded };
    },
  );

  app.post(
    '/auth/password',
    {
      schema: { tags: ['auth'], summary: 'Change the password; other sessions end', body: PasswordChangeSchema, response: { 204: z.undefined(), ...errorResponses } },
    },
    async (req, reply) => {
      await changePassword(deps, req.actor, req.body, req.session?.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/tokens',
    { schema: { tags: ['auth'], summary: 'My API tokens (never the secrets)', response: { 200: z.object({ items: z.array(ApiTokenSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listTokens(deps, req.actor) }),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an API token for myself; the token is shown once',
        body: TokenCreateSchema,
        response: { 201: ApiTokenCreatedSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createToken(deps, req.actor, req.actor.id, req.body)),
  );

  app.delete(
    '/tokens/:id',
    { schema: { tags: ['auth'], summary: 'Revoke one of my API tokens', params: z.object({ id: z.uuid() }), response: { 204: z.undefined(), ...errorResponses } } },
    async (req, reply) => {
      await revokeToken(deps, req.actor, req.params.id);
      return reply.status(204).send();
    },
  );
};
