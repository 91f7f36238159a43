import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { REPORT_CHANNELS } from '../../domain/report.js';
import { BRAND_ORIGIN_KEYS, REPORT_ORIGINS, SECTOR_KEYS, STEPS } from '../../domain/statistics.js';
import { CATEGORIES } from '../../domain/taxonomy.js';
import type { ServiceDeps } from '../../services/deps.js';
import { PUBLIC_CACHE_SECONDS, publicStatistics, quarterlyReport, quarterlyReportFile } from '../../services/statistics.service.js';
import { errorResponses } from '../schemas.js';

const count = z.number().int();
const counts = <K extends string>(keys: readonly [K, ...K[]]) => z.record(z.enum(keys), count);
const withTotal = <K extends string>(keys: readonly [K, ...K[]]) => z.object({ ...Object.fromEntries(keys.map((k) => [k, count])), total: count }) as z.ZodType<Record<K | 'total', number>>;
const ts = z.string().describe('ISO-8601 UTC date-time');
const period = { from: ts, to: ts };

export const QuarterlyReportSchema = z
  .object({
    period: z.object({
      ...period,
      year: z.number().int(),
      quarter: z.number().int().min(1).max(4),
      timeZone: z.string(),
      months: z.array(z.object({ ...period, month: z.string().describe('YYYY-MM in the team’s zone') })),
    }),
    country: z.string().describe('the team’s country (RENKEI_COUNTRY): reporters there are domestic'),
    generatedAt: ts,
    reports: z.object({
      total: count,
      byOrigin: counts(REPORT_ORIGINS),
      byChannel: z.record(z.enum(REPORT_CHANNELS), withTotal(REPORT_ORIGINS)),
      byMonth: z.array(count),
    }),
    incidents: z.object({
      total: count,
      coordinated: count.describe('incidents with at least one coordination sent to an outside party'),
      byMonth: z.array(count),
      byCategory: z.record(z.enum(CATEGORIES), z.object({ months: z.array(count), total: count })),
    }),
    phishing: z.object({
      total: count,
      byOrigin: counts(BRAND_ORIGIN_KEYS),
      bySector: z.record(z.enum(SECTOR_KEYS), withTotal(BRAND_ORIGIN_KEYS)),
    }),
    steps: z.record(z.enum(STEPS), z.object({ count, medianSeconds: z.number().int().nullable() })),
  })
  .meta({ id: 'QuarterlyReport' });

export const PublicStatisticsSchema = z
  .object({
    generatedAt: ts,
    timeZone: z.string(),
    weeks: z.array(z.object({ ...period, domestic: count, foreign: count, unknown: count, total: count })),
    incidentsByCategory: counts(CATEGORIES),
    incidentsTotal: count,
    phishingSitesBySector: counts(SECTOR_KEYS),
    phishingSitesTotal: count,
  })
  .meta({ id: 'PublicStatistics' });

const QuarterQuery = {
  year: z.coerce.number().int().min(2000).max(2100).optional().describe('default: this year (in the team’s zone)'),
  quarter: z.coerce.number().int().min(1).max(4).optional().describe('1 = Jan–Mar … 4 = Oct–Dec; default: this quarter'),
};
const FileQuery = z.strictObject({ ...QuarterQuery, lang: z.enum(['ja', 'en']).default('ja') });

/**
 * The statistics (issue #7): the quarterly report for the team's staff as
 * JSON, CSV and a printable HTML page, and the opt-in public status page
 * (RENKEI_PUBLIC_STATUS) without sign-in.
 */
export const statisticsRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/statistics/quarterly',
    {
      schema: {
        tags: ['statistics'],
        summary: 'The quarterly report: reports by channel and origin, incidents, coordinated cases, categories per month, phishing sites by brand sector, median time per step',
        querystring: z.strictObject(QuarterQuery),
        response: { 200: QuarterlyReportSchema, ...errorResponses },
      },
    },
    async (req) => quarterlyReport(deps, req.actor, req.query),
  );

  for (const format of ['csv', 'html'] as const)
    app.get(
      `/statistics/quarterly.${format}`,
      {
        schema: {
          tags: ['statistics'],
          summary:
            format === 'csv'
              ? 'The quarterly report as CSV (UTF-8 with BOM, one figure a row), headers and labels in Japanese or English'
              : 'The quarterly report as a printable, self-contained HTML page (A4 print CSS, SVG charts, no script), in Japanese or English',
          querystring: FileQuery,
          produces: [format === 'csv' ? 'text/csv' : 'text/html'],
        },
      },
      async (req, reply) => {
        const { lang, ...query } = req.query;
        const file = await quarterlyReportFile(deps, req.actor, query, format, lang);
        void reply.header('content-type', file.contentType).header('cache-control', 'private, no-store');
        if (file.csp) void reply.header('content-security-policy', file.csp);
        if (format === 'csv') void reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
        return reply.send(file.body);
      },
    );

  app.get(
    '/public/statistics',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: `The public status page's figures (no sign-in; only when RENKEI_PUBLIC_STATUS=true, otherwise 404): reports this week and the two before, incidents being handled by category, phishing sites being coordinated by brand sector — numbers only, counted at most every ${PUBLIC_CACHE_SECONDS / 60} minutes`,
        response: { 200: PublicStatisticsSchema, 404: errorResponses[400] },
      },
    },
    async (_req, reply) => {
      const figures = await publicStatistics(deps);
      void reply.header('cache-control', `public, max-age=${PUBLIC_CACHE_SECONDS}`);
      return figures;
    },
  );
};
