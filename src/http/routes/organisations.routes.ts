import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ORGANISATION_KINDS, OrganisationInputSchema } from '../../domain/organisation.schema.js';
import { AbuseStepFactsSchema } from '../../domain/abuse-contact.js';
import type { ServiceDeps } from '../../services/deps.js';
import { resolveAbuseContact } from '../../services/abuse-contact.service.js';
import {
  createOrganisation,
  exportOrganisationsCsv,
  getOrganisation,
  importOrganisationsCsv,
  listOrganisations,
  replaceOrganisation,
} from '../../services/organisation.service.js';
import { lookupOwner } from '../../services/owner-lookup.service.js';
import { asDownload } from '../download.js';
import { OrganisationSchema, PageQuery, errorResponses, listParam, page } from '../schemas.js';

const params = z.object({ id: z.uuid() });


/** GET /api/directory/owner: who owns it, most specific first, explained. */
export const OwnerLookupSchema = z.object({
  query: z.string(),
  subject: z.object({ type: z.enum(['ip', 'domain', 'asn']), value: z.string() }),
  matches: z.array(
    z.object({
      organisation: OrganisationSchema.pick({ id: true, name: true, kind: true, country: true, trustLevel: true }),
      resource: z.object({ kind: z.enum(['ip-range', 'domain', 'asn']), value: z.string() }),
      specificity: z.number().int(),
      isMostSpecific: z.boolean(),
    }),
  ),
  explanation: z.string(),
  source: z.literal('directory'),
});

/** GET /api/directory/abuse-contact: whom to tell, and each step that decided it. */
export const AbuseContactSchema = z.object({
  query: z.string(),
  subject: z.object({ type: z.enum(['ip', 'domain', 'asn']), value: z.string() }),
  contact: z
    .object({
      email: z.string(),
      name: z.string().nullable(),
      organisation: z.string().nullable(),
      organisationId: z.string().nullable(),
      country: z.string().nullable(),
      source: z.string(),
      asOf: z.string().nullable(),
      reason: z.string(),
    })
    .nullable(),
  steps: z.array(
    z.object({
      source: z.enum(['directory', 'registry', 'security.txt']),
      found: z.boolean(),
      detail: z.string().describe('what the step looked at and found, in English'),
      facts: AbuseStepFactsSchema,
      asOf: z.string().nullable(),
    }),
  ),
});

export const organisationRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['directory'],
        summary: 'Add an organisation with its contacts and owned resources',
        body: OrganisationInputSchema,
        response: { 201: OrganisationSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createOrganisation(deps, req.actor, req.body)),
  );

  app.get(
    '/organisations',
    {
      schema: {
        tags: ['directory'],
        summary: 'List organisations by name',
        querystring: z.strictObject({
          kind: listParam(z.enum(ORGANISATION_KINDS)),
          country: z.string().length(2).toUpperCase().optional(),
          q: z.string().max(200).optional(),
          ...PageQuery,
        }),
        response: { 200: page(OrganisationSchema), ...errorResponses },
      },
    },
    async (req) => {
      const { limit, offset, ...filter } = req.query;
      return listOrganisations(deps, req.actor, filter, { limit, offset });
    },
  );

  app.get(
    '/organisations/:id',
    { schema: { tags: ['directory'], summary: 'One organisation', params, response: { 200: OrganisationSchema, ...errorResponses } } },
    async (req) => getOrganisation(deps, req.actor, req.params.id),
  );

  app.put(
    '/organisations/:id',
    {
      schema: {
        tags: ['directory'],
        summary: "Replace an organisation's record, contacts and resources",
        params,
        body: OrganisationInputSchema,
        response: { 200: OrganisationSchema, ...errorResponses },
      },
    },
    async (req) => replaceOrganisation(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/organisations/import',
    {
      schema: {
        tags: ['directory'],
        summary: 'Import the directory from CSV (text/csv); bad rows are reported, good rows imported',
        response: {
          200: z.object({
            rowsRead: z.number().int(),
            created: z.number().int(),
            updated: z.number().int(),
            errors: z.array(
              z.object({
                row: z.number().int(),
                organisation: z.string().optional(),
                errors: z.array(z.object({ column: z.string(), message: z.string() })),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      if (!Buffer.isBuffer(req.body)) throw Object.assign(new Error('send the CSV with Content-Type: text/csv'), { statusCode: 415 });
      return importOrganisationsCsv(deps, req.actor, req.body);
    },
  );

  app.get(
    '/organisations/export',
    { schema: { tags: ['directory'], summary: 'The whole directory as CSV (the import format)' } },
    async (req, reply) =>
      asDownload(reply, 'text/csv; charset=utf-8', 'renkei-organisations.csv').send(await exportOrganisationsCsv(deps, req.actor)),
  );

  app.get(
    '/directory/owner',
    {
      schema: {
        tags: ['directory'],
        summary: 'Who owns this IP address, domain, URL host, e-mail domain or AS number? Most specific match first, explained',
        querystring: z.strictObject({ q: z.string().min(1).max(2048) }),
        response: {
          200: OwnerLookupSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => lookupOwner(deps, req.actor, req.query.q),
  );

  app.get(
    '/directory/abuse-contact',
    {
      schema: {
        tags: ['directory'],
        summary: 'Whom to tell about this IP address, URL or domain: the directory first, then imported registry data; each step explained with how fresh it is',
        querystring: z.strictObject({ q: z.string().min(1).max(2048) }),
        response: {
          200: AbuseContactSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => resolveAbuseContact(deps, req.actor, req.query.q),
  );
};
