import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IncidentCreateSchema, IncidentStatusChangeSchema, IncidentUpdateSchema } from '../../domain/incident.js';
import { INCIDENT_STATUSES } from '../../domain/incident-lifecycle.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../../domain/taxonomy.js';
import { TLP_LABELS } from '../../domain/tlp.js';
import { instant } from '../../domain/text.js';
import { INCIDENT_SORTS } from '../../store/repositories/incident.repository.js';
import type { ServiceDeps } from '../../services/deps.js';
import { changeIncidentStatus, createIncident, getIncident, listIncidents, updateIncident } from '../../services/incident.service.js';
import { MergeSchema, SplitSchema, mergeIncidents, splitIncident } from '../../services/merge-split.service.js';
import { addIncidentObservable, listIncidentObservables, listOtherIncidents, ObservableAddSchema } from '../../services/observable.service.js';
import { TimelineNoteSchema, addTimelineNote, getTimeline } from '../../services/timeline.service.js';
import { getIncidentSla } from '../../services/sla.service.js';
import { SLA_CLOCKS } from '../../domain/sla.js';
import { AccessListSchema, SharesSchema, getIncidentAccess, setIncidentAccessList, setIncidentShares } from '../../services/incident-access.service.js';
import {
  AttachReportsSchema,
  IncidentFromReportsSchema,
  attachReports,
  createIncidentFromReports,
} from '../../services/triage.service.js';
import { IncidentRefSchema, IncidentSchema, ObservableSchema, PageQuery, ReportSummarySchema, TimelineEntrySchema, errorResponses, listParam, page } from '../schemas.js';

/** `:id` is the UUID or the human number (RK-2026-000042). */
const params = z.object({ id: z.string().min(1).max(64) });

/** GET /api/incidents/:id/observables: each of the incident's observables. */
export const IncidentObservableSchema = ObservableSchema.extend({ isManual: z.boolean(), seenInOtherIncidents: z.number().int() });

/** GET /api/incidents/:id/sla: the policy that applies and each clock's state. */
export const IncidentSlaSchema = z.object({
  policy: z.string().nullable(),
  counting: z.enum(['calendar', 'office-hours']).nullable(),
  clocks: z.array(
    z.object({
      clock: z.enum(SLA_CLOCKS),
      targetMinutes: z.number(),
      counting: z.enum(['calendar', 'office-hours']),
      state: z.enum(['running', 'paused', 'met', 'breached', 'met-late']),
      elapsedMinutes: z.number(),
      dueAt: z.string().nullable(),
      startedAt: z.string(),
      metAt: z.string().nullable(),
    }),
  ),
});

/** GET /api/incidents/:id: an incident with the first of its reports. */
export const IncidentDetailSchema = z.object({
  incident: IncidentSchema,
  reports: z.array(ReportSummarySchema.pick({ id: true, channel: true, sender: true, subject: true, receivedAt: true, status: true })),
  reportTotal: z.number().int(),
  reportTotalIsExact: z.boolean(),
  mergedFrom: z.array(z.string()),
});

export const incidentRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.post(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Create an incident without a report (proactive work)',
        body: IncidentCreateSchema,
        response: { 201: IncidentSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createIncident(deps, req.actor, req.body)),
  );

  app.post(
    '/incidents/from-reports',
    {
      schema: {
        tags: ['incidents', 'reports'],
        summary: 'Triage: create an incident from one or more new reports',
        body: IncidentFromReportsSchema,
        response: { 201: IncidentSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createIncidentFromReports(deps, req.actor, req.body)),
  );

  app.get(
    '/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'List incidents with filters, sorting and paging',
        querystring: z.strictObject({
          status: listParam(z.enum(INCIDENT_STATUSES)),
          category: listParam(z.enum(CATEGORIES)),
          tlp: listParam(z.enum(TLP_LABELS)),
          severity: listParam(z.enum(SEVERITIES)),
          priority: listParam(z.enum(PRIORITIES)),
          owner: z.string().max(320).optional(),
          constituency: z.string().max(64).optional(),
          organisationId: z.uuid().optional(),
          createdFrom: instant().optional(),
          createdTo: instant().optional(),
          includeMerged: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
          slaDueBefore: instant().optional().describe('"due soon": the next SLA clock falls due before this instant (overdue included)'),
          exercise: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only exercises; false: no exercises'),
          sort: z.enum(INCIDENT_SORTS).default('createdAt'),
          direction: z.enum(['asc', 'desc']).default('desc'),
          ...PageQuery,
        }),
        response: { 200: page(IncidentSchema), ...errorResponses },
      },
    },
    async (req) => {
      const { sort, direction, limit, offset, ...filter } = req.query;
      return listIncidents(deps, req.actor, filter, { by: sort, direction }, { limit, offset });
    },
  );

  app.get(
    '/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'An incident with its reports',
        params,
        response: {
          200: IncidentDetailSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => getIncident(deps, req.actor, req.params.id),
  );

  app.patch(
    '/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Change fields (pass `version` to refuse overwriting a concurrent change)',
        params,
        body: IncidentUpdateSchema,
        response: { 200: IncidentSchema, ...errorResponses },
      },
    },
    async (req) => updateIncident(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/incidents/:id/status',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Move through the lifecycle: new → open → waiting → resolved → closed, or rejected',
        params,
        body: IncidentStatusChangeSchema,
        response: { 200: IncidentSchema, ...errorResponses },
      },
    },
    async (req) => changeIncidentStatus(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/incidents/:id/reports',
    {
      schema: {
        tags: ['incidents', 'reports'],
        summary: 'Triage: attach reports to this incident (moving them from another one if needed)',
        params,
        body: AttachReportsSchema,
        response: { 200: IncidentSchema, ...errorResponses },
      },
    },
    async (req) => attachReports(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/incidents/:id/merge',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Merge another incident into this one; the other is closed and points here',
        params,
        body: MergeSchema,
        response: { 200: IncidentSchema, ...errorResponses },
      },
    },
    async (req) => mergeIncidents(deps, req.actor, req.params.id, req.body),
  );

  app.post(
    '/incidents/:id/split',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Split reports off this incident into a new one',
        params,
        body: SplitSchema,
        response: { 201: IncidentSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await splitIncident(deps, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/incidents/:id/timeline',
    {
      schema: {
        tags: ['incidents'],
        summary: 'The timeline (経過記録): every change, oldest first, a page at a time (the total is exact: page on until offset reaches it); append-only',
        params,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(5000).default(500),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: page(TimelineEntrySchema), ...errorResponses },
      },
    },
    async (req) => getTimeline(deps, req.actor, req.params.id, req.query),
  );

  app.get(
    '/incidents/:id/sla',
    {
      schema: {
        tags: ['incidents'],
        summary: 'SLA clocks (triage, first notification, containment, resolution): running, paused while waiting, met, met late or breached, with when each falls due',
        params,
        response: {
          200: IncidentSlaSchema,
          ...errorResponses,
        },
      },
    },
    async (req) => getIncidentSla(deps, req.actor, req.params.id),
  );

  app.post(
    '/incidents/:id/timeline',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Add a note, or a correction of an earlier entry (entries are never edited)',
        params,
        body: TimelineNoteSchema,
        response: { 201: TimelineEntrySchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await addTimelineNote(deps, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/incidents/:id/observables',
    {
      schema: {
        tags: ['incidents', 'observables'],
        summary: "The incident's observables, each with the number of other incidents that share it",
        params,
        response: {
          200: z.object({ items: z.array(IncidentObservableSchema) }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ items: await listIncidentObservables(deps, req.actor, req.params.id) }),
  );

  app.get(
    '/incidents/:id/observables/:observableId/incidents',
    {
      schema: {
        tags: ['incidents', 'observables'],
        summary: "The other incidents that share one of this incident's observables (its \"seen in N other incidents\"), newest first, a page at a time; the total is exact",
        params: params.extend({ observableId: z.uuid() }),
        querystring: z.strictObject(PageQuery),
        response: { 200: page(IncidentRefSchema), ...errorResponses },
      },
    },
    async (req) => listOtherIncidents(deps, req.actor, req.params.id, req.params.observableId, req.query),
  );

  app.post(
    '/incidents/:id/observables',
    {
      schema: {
        tags: ['incidents', 'observables'],
        summary: 'Add an observable found during analysis (defanged input accepted)',
        params,
        body: ObservableAddSchema,
        response: { 201: ObservableSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await addIncidentObservable(deps, req.actor, req.params.id, req.body)),
  );

  const AccessSchema = z.object({ accessList: z.array(z.string()), sharedWith: z.array(z.string()) });

  app.get(
    '/incidents/:id/access',
    {
      schema: {
        tags: ['incidents'],
        summary: "Who is on the incident's access list and which organisations it is shared with",
        params,
        response: { 200: AccessSchema, ...errorResponses },
      },
    },
    async (req) => getIncidentAccess(deps, req.actor, req.params.id),
  );

  app.put(
    '/incidents/:id/access',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Replace the access list (leads): the named people see the incident whatever its TLP',
        params,
        body: AccessListSchema,
        response: { 200: AccessSchema, ...errorResponses },
      },
    },
    async (req) => setIncidentAccessList(deps, req.actor, req.params.id, req.body),
  );

  app.put(
    '/incidents/:id/shares',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Share the incident with organisations (leads); their partners see it when CLEAR, GREEN or AMBER',
        params,
        body: SharesSchema,
        response: { 200: AccessSchema, ...errorResponses },
      },
    },
    async (req) => setIncidentShares(deps, req.actor, req.params.id, req.body),
  );
};
