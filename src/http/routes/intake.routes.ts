import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../../services/deps.js';
import { HELD_REASONS } from '../../domain/spooled-mail.js';
import { releaseAllHeldMail, releaseHeldMail, spoolCounts, spooledMailRaw, troubledMails } from '../../services/held-mail.service.js';
import { asDownload } from '../download.js';
import { errorResponses } from '../schemas.js';

export const SpoolCountsSchema = z
  .object({
    waiting: z.number().int().describe('acknowledged (250) and not yet recorded as a report, including those waiting to be tried again'),
    held: z.number().int().describe('held for an operator: they can never become a report as they are'),
    oldestReceivedAt: z.string().nullable(),
  })
  .meta({ id: 'SpoolCounts' });

export const TroubledMailSchema = z
  .object({
    id: z.string(),
    receivedAt: z.string(),
    mailFrom: z.string().nullable(),
    rcptTo: z.array(z.string()),
    remoteAddress: z.string().nullable(),
    route: z.string().nullable(),
    size: z.number().int(),
    attempts: z.number().int(),
    held: z.boolean(),
    heldReason: z
      .enum(HELD_REASONS)
      .nullable()
      .describe('why it is held: refused (it can never become a report as it is), attempts (every attempt failed), bytes-missing; null while it waits'),
    lastError: z.string().nullable().describe("the server's own words for the last failure (English, technical)"),
    nextAttemptAt: z.string(),
  })
  .meta({ id: 'TroubledMail' });

const params = z.object({ id: z.string().min(1).max(64) });

const TroubledQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z.string().min(1).max(64).optional().describe("the previous page's `next`"),
});

/** The mail spool for operators (see services/held-mail.service.ts): what `renkei spool` shows, over the API. */
export const intakeRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/intake/spool',
    {
      schema: {
        tags: ['intake'],
        summary: 'Inbound mail acknowledged and not yet a report: counts (whoever triages, leads, administrators)',
        response: { 200: SpoolCountsSchema, ...errorResponses },
      },
    },
    async (req) => spoolCounts(deps, req.actor),
  );

  app.get(
    '/intake/spool/troubled',
    {
      schema: {
        tags: ['intake'],
        summary: 'Mails held for an operator or waiting to be tried again, oldest first, with why, a page at a time (leads, administrators)',
        querystring: TroubledQuery,
        response: {
          200: z.object({ items: z.array(TroubledMailSchema), next: z.string().nullable().describe('pass as `after` for the next page; null at the end') }),
          ...errorResponses,
        },
      },
    },
    async (req) => troubledMails(deps, req.actor, req.query),
  );

  app.post(
    '/intake/spool/release-held',
    {
      schema: {
        tags: ['intake'],
        summary: 'Try every held mail again at once, after mending what held them (leads, administrators; audited once, with the count)',
        response: { 200: z.object({ released: z.number().int() }), ...errorResponses },
      },
    },
    async (req) => ({ released: await releaseAllHeldMail(deps, req.actor) }),
  );

  app.get(
    '/intake/spool/:id/raw',
    {
      schema: {
        tags: ['intake'],
        summary: "A spooled mail's bytes as received, as a download (leads; audited)",
        params,
        response: { 200: z.any().describe('application/octet-stream: the message as received, never rendered'), ...errorResponses },
      },
    },
    async (req, reply) => {
      // Read (and allowed) first: an error must not go out as an attachment.
      const raw = await spooledMailRaw(deps, req.actor, req.params.id);
      return asDownload(reply, 'application/octet-stream', `spooled-${req.params.id.replace(/[^A-Za-z0-9-]/g, '_')}.eml`).send(raw);
    },
  );

  app.post(
    '/intake/spool/:id/release',
    {
      schema: {
        tags: ['intake'],
        summary: 'Try a held mail again, after mending what kept it from becoming a report (leads, administrators; audited)',
        params,
        response: { 204: z.undefined(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await releaseHeldMail(deps, req.actor, req.params.id);
      return reply.status(204).send();
    },
  );
};
