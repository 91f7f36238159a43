import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../../services/deps.js';
import { findSightings, findSightingsById } from '../../services/observable.service.js';
import { IncidentRefSchema, ObservableSchema, ReportSummarySchema, errorResponses } from '../schemas.js';

export const SightingsSchema = z.object({
  observable: ObservableSchema,
  incidents: z.array(IncidentRefSchema),
  incidentTotal: z.number().int(),
  reports: z.array(ReportSummarySchema.pick({ id: true, subject: true, channel: true, receivedAt: true, incidentId: true, status: true })),
  reportTotal: z.number().int(),
});

export const observableRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/observables/sightings',
    {
      schema: {
        tags: ['observables'],
        summary: 'Where else has this been seen? `q` is an IP, network, domain, URL, e-mail, hash, CVE or AS number, defanged or not',
        querystring: z.strictObject({ q: z.string().min(1).max(8192), limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: SightingsSchema, ...errorResponses },
      },
    },
    async (req) => findSightings(deps, req.actor, req.query.q, req.query.limit),
  );

  app.get(
    '/observables/:id/sightings',
    {
      schema: {
        tags: ['observables'],
        summary: 'Where else has this observable been seen',
        params: z.object({ id: z.uuid() }),
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: SightingsSchema, ...errorResponses },
      },
    },
    async (req) => findSightingsById(deps, req.actor, req.params.id, req.query.limit),
  );
};
