import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../../services/deps.js';
import { SearchQuerySchema, search } from '../../services/search.service.js';
import { IncidentSchema, ReportSummarySchema, errorResponses, page } from '../schemas.js';

/** GET /api/search: a page of incidents and one of reports, each hit with its snippet. */
export const SearchResultSchema = z.object({
  incidents: page(z.object({ item: IncidentSchema, snippet: z.string().nullable() })),
  reports: page(z.object({ item: ReportSummarySchema, snippet: z.string().nullable() })),
});

export const searchRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search over incidents and reports (Japanese included), with filters',
        querystring: SearchQuerySchema,
        response: {
          200: SearchResultSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => search(deps, req.actor, req.query),
  );
};
