import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { REPORT_CHANNELS, REPORT_STATUSES, ReportCreateSchema, ReportRejectSchema, type ReportCreateInput } from '../../domain/report.js';
import type { ServiceDeps } from '../../services/deps.js';
import { recordReport, recordReports } from '../../services/record-report.service.js';
import { AppError } from '../../domain/errors.js';
import { getReport, getReportAttachment, getReportRaw, listReports } from '../../services/report.service.js';
import { getReportHeaders, getReportHtml, MAX_REPORT_HEADERS, MAX_REPORT_HTML_CHARS } from '../../services/report-html.service.js';
import { RejectReportsSchema, rejectReport, rejectReports } from '../../services/triage.service.js';
import {
  IncidentRefSchema,
  ObservableSchema,
  PageQuery,
  ReportSchema,
  ReportSummarySchema,
  TimelineEntrySchema,
  errorResponses,
  listParam,
  page,
} from '../schemas.js';
import { DownloadQuery, sendEvidence } from './evidence.routes.js';

const idParams = z.object({ id: z.uuid() });

export const AttachmentSchema = z
  .object({
    id: z.string(),
    sha256: z.string(),
    sha1: z.string(),
    md5: z.string(),
    size: z.number().int(),
    filename: z.string().nullable(),
    mimeType: z.string(),
    kind: z.enum(['attachment', 'inline', 'forwarded-message']),
    note: z.string().nullable(),
  })
  .meta({ id: 'Attachment' });

/** GET /api/reports/:id: a report with its observables, candidate incidents, timeline and attachments. */
export const ReportDetailSchema = z.object({
  report: ReportSchema,
  observables: z.array(ObservableSchema),
  candidates: z.array(IncidentRefSchema.extend({ shared: z.number().int() })),
  timeline: z.array(TimelineEntrySchema),
  attachments: z.array(AttachmentSchema),
});

export const ReportHtmlSchema = z
  .object({
    html: z
      .string()
      .nullable()
      .describe('the HTML part of the mail exactly as the sender wrote it: hostile until sanitised; never render it as received'),
    length: z.number().int().describe('characters of the whole HTML part'),
    isTruncated: z.boolean().describe(`cut to ${MAX_REPORT_HTML_CHARS} characters`),
    unavailable: z.enum(['no-html', 'undecryptable']).nullable().describe('why html is null'),
  })
  .meta({ id: 'ReportHtml' });

export const ReportHeadersSchema = z
  .object({
    headers: z
      .array(z.object({ name: z.string(), value: z.string().describe('unfolded, RFC 2047 encoded words decoded; written by the sender: show as text') }))
      .describe('every header of the message as received, in order, duplicates kept (an encrypted mail: its outer headers); empty for a report that did not come by mail'),
    isTruncated: z.boolean().describe(`cut to the first ${MAX_REPORT_HEADERS} headers`),
  })
  .meta({ id: 'ReportHeaders' });

export const reportRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.post(
    '/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'Record a report; the same (channel, sourceRef) is stored once (200 with the stored one)',
        body: ReportCreateSchema,
        response: {
          201: z.object({ report: ReportSchema, isNew: z.literal(true), observableCount: z.number(), candidateIncidentIds: z.array(z.string()) }),
          200: z.object({ report: ReportSchema, isNew: z.literal(false), observableCount: z.number(), candidateIncidentIds: z.array(z.string()) }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const result = await recordReport(deps, req.actor, req.body);
      return result.isNew ? reply.status(201).send({ ...result, isNew: true }) : reply.status(200).send({ ...result, isNew: false });
    },
  );

  app.post(
    '/reports/bulk',
    {
      schema: {
        tags: ['reports'],
        summary: 'Record up to 1,000 reports in one call; each item is checked on its own and answered accepted, duplicate or rejected (with why)',
        body: z.strictObject({
          reports: z.array(z.unknown().describe('a report, as for POST /api/reports')).min(1).max(1000),
        }),
        response: {
          200: z.object({
            accepted: z.number().int(),
            duplicates: z.number().int(),
            rejected: z.number().int(),
            items: z.array(
              z.object({
                index: z.number().int(),
                status: z.enum(['accepted', 'duplicate', 'rejected']),
                reportId: z.string().optional(),
                error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional() }).optional(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const results = await recordReports(deps, req.actor, req.body.reports as ReportCreateInput[]);
      const items = results.map((r, index) =>
        r.ok
          ? { index, status: r.isNew ? ('accepted' as const) : ('duplicate' as const), reportId: r.report.id }
          : {
              index,
              status: 'rejected' as const,
              error:
                r.error instanceof AppError
                  ? { code: r.error.code, message: r.error.message, ...(r.error.details?.issues ? { issues: r.error.details.issues } : {}) }
                  : { code: 'INTERNAL', message: 'could not be recorded' },
            },
      );
      return {
        accepted: items.filter((i) => i.status === 'accepted').length,
        duplicates: items.filter((i) => i.status === 'duplicate').length,
        rejected: items.filter((i) => i.status === 'rejected').length,
        items,
      };
    },
  );

  app.get(
    '/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'List reports, newest first (the triage queue is status=new)',
        querystring: z.strictObject({
          status: listParam(z.enum(REPORT_STATUSES)),
          channel: listParam(z.enum(REPORT_CHANNELS)),
          incidentId: z.uuid().optional(),
          ...PageQuery,
        }),
        response: { 200: page(ReportSummarySchema), ...errorResponses },
      },
    },
    async (req) => {
      const { limit, offset, ...filter } = req.query;
      const result = await listReports(deps, req.actor, filter, { limit, offset });
      return { ...result, items: result.items.map(({ body: _b, ...r }) => r) };
    },
  );

  app.get(
    '/reports/:id',
    {
      schema: {
        tags: ['reports'],
        summary: 'A report with its observables, candidate incidents and timeline',
        params: idParams,
        response: {
          200: ReportDetailSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => getReport(deps, req.actor, req.params.id),
  );

  app.get(
    '/reports/:id/raw',
    {
      schema: {
        tags: ['reports'],
        summary: 'The raw original, byte for byte, as a download (never rendered inline); its hash checked and the download recorded in its chain of custody (a dangerous one only inside a ZIP encrypted with "infected")',
        params: idParams,
        querystring: DownloadQuery,
        response: { 200: z.any().describe('application/octet-stream, or application/zip when packed'), ...errorResponses },
      },
    },
    async (req, reply) => sendEvidence(reply, await getReportRaw(deps, req.actor, req.params.id, req.query)),
  );

  app.get(
    '/reports/:id/html',
    {
      schema: {
        tags: ['reports'],
        summary:
          "A mailed report's HTML part, read again from the raw original (decrypted with the team key when it came encrypted), as JSON data for the web app to sanitise — never served as a page; the read is recorded in the raw original's chain of custody",
        params: idParams,
        response: { 200: ReportHtmlSchema, ...errorResponses },
      },
    },
    async (req) => getReportHtml(deps, req.actor, req.params.id),
  );

  app.get(
    '/reports/:id/headers',
    {
      schema: {
        tags: ['reports'],
        summary: "Every header of a mailed report (the Received chain and the rest), read again from the raw original; the read is recorded in its chain of custody",
        params: idParams,
        response: { 200: ReportHeadersSchema, ...errorResponses },
      },
    },
    async (req) => getReportHeaders(deps, req.actor, req.params.id),
  );

  app.get(
    '/reports/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['reports'],
        summary:
          'An attachment as a download, its hash checked on the way out (never rendered inline) and the download recorded in its chain of custody; a dangerous file only inside a ZIP encrypted with "infected", with x-renkei-warning',
        params: z.object({ id: z.uuid(), attachmentId: z.uuid() }),
        querystring: DownloadQuery,
        response: { 200: z.any().describe('application/octet-stream, or application/zip when packed'), ...errorResponses },
      },
    },
    async (req, reply) => sendEvidence(reply, await getReportAttachment(deps, req.actor, req.params.id, req.params.attachmentId, req.query)),
  );

  app.post(
    '/reports/:id/reject',
    {
      schema: {
        tags: ['reports'],
        summary: 'Reject a new report (spam, out of scope, duplicate); it is kept',
        params: idParams,
        body: ReportRejectSchema,
        response: { 200: ReportSchema, ...errorResponses },
      },
    },
    async (req) => rejectReport(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/reports/reject',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Reject new reports for one reason, all or none: when one is no longer new (another handler triaged or rejected it) nothing is rejected (409 CONFLICT, details.reason report-not-new)',
        body: RejectReportsSchema,
        response: { 200: z.object({ items: z.array(ReportSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await rejectReports(deps, req.actor, req.body) }),
  );
};
