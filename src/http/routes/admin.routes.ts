import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../../services/deps.js';
import { AccountCreateSchema, AccountUpdateSchema, createAccount, listAccounts, updateAccount } from '../../services/auth/account.service.js';
import { AuditQuerySchema, searchAudit, verifyAudit } from '../../services/audit.service.js';
import { errorResponses, page } from '../schemas.js';
import { AccountSchema } from './auth.routes.js';

export const AuditEventSchema = z
  .object({
    position: z.number().int(),
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    actorName: z.string().nullable().describe("the account's display name when the actor is an account; not part of the hashed event"),
    actorEmail: z.string().nullable().describe("the account's e-mail address when the actor is an account; not part of the hashed event"),
    ip: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

/** POST /api/accounts: the account, and its password once when none was given. */
export const AccountCreatedSchema = z.object({ account: AccountSchema, initialPassword: z.string().optional() });

/** GET /api/audit/verify: intact up to the head, or the first broken link. */
export const AuditVerificationSchema = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  head: z.string().optional(),
  position: z.number().int().optional(),
  problem: z.enum(['hash', 'link', 'gap', 'head']).optional(),
});

export const adminRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/accounts',
    { schema: { tags: ['admin'], summary: 'Every account (administrators)', response: { 200: z.object({ items: z.array(AccountSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listAccounts(deps, req.actor) }),
  );

  app.post(
    '/accounts',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an account; without a password, a random one is returned once',
        body: AccountCreateSchema,
        response: { 201: AccountCreatedSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createAccount(deps, req.actor, req.body)),
  );

  app.patch(
    '/accounts/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change roles, constituencies, language; disable (ends every session at once)',
        params: z.object({ id: z.uuid() }),
        body: AccountUpdateSchema,
        response: { 200: AccountSchema, ...errorResponses },
      },
    },
    async (req) => updateAccount(deps, req.actor, req.params.id, req.body),
  );

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Search the audit log, newest first (auditors, administrators)',
        querystring: AuditQuerySchema,
        response: { 200: page(AuditEventSchema), ...errorResponses },
      },
    },
    async (req) => searchAudit(deps, req.actor, req.query),
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        tags: ['admin'],
        summary: 'Walk the hash chain of the audit log and name the first broken link',
        response: { 200: AuditVerificationSchema, ...errorResponses },
      },
    },
    async (req) => verifyAudit(deps, req.actor),
  );
};
