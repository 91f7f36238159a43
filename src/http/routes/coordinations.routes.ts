import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  COORDINATION_PURPOSES,
  COORDINATION_STATES,
  CoordinationCreateSchema,
  CoordinationDraftUpdateSchema,
  CoordinationStateChangeSchema,
} from '../../domain/coordination.js';
import { TEMPLATE_FIELDS, TEMPLATE_KINDS, TemplateInputSchema } from '../../domain/message-template.js';
import { LANGUAGES } from '../../domain/organisation.schema.js';
import { TLP_LABELS } from '../../domain/tlp.js';
import type { ServiceDeps } from '../../services/deps.js';
import { changeCoordinationState, createCoordination, getCoordination, listCoordinations, updateCoordinationDraft } from '../../services/coordination.service.js';
import { sendCoordination } from '../../services/coordination-send.service.js';
import { getTemplate, listTemplates, saveTemplate } from '../../services/template.service.js';
import { TakedownCreateSchema, checkTakedownNow, createTakedown, listTakedowns } from '../../services/takedown.service.js';
import { TAKEDOWN_STATES } from '../../domain/liveness.js';
import { errorResponses } from '../schemas.js';

export const MessageSchema = z
  .object({
    id: z.string(),
    coordinationId: z.string(),
    direction: z.enum(['outbound', 'inbound']),
    kind: z.enum(['initial', 'follow-up', 'reply']),
    messageId: z.string(),
    subject: z.string(),
    delivery: z.enum(['queued', 'sent', 'failed']).nullable(),
    attempts: z.number(),
    lastError: z.string().nullable(),
    isSigned: z.boolean(),
    isEncrypted: z.boolean(),
    reportId: z.string().nullable().describe('for replies: the report the reply was stored as'),
    at: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'CoordinationMessage' });

export const CoordinationSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    sequence: z.number(),
    tag: z.string().describe('tracking tag kept in the subject of every message: [RK-2026-000123-C2]'),
    purpose: z.enum(COORDINATION_PURPOSES),
    state: z.enum(COORDINATION_STATES),
    organisationId: z.string().nullable(),
    organisationName: z.string().nullable(),
    contactEmail: z.string(),
    contactName: z.string().nullable(),
    language: z.enum(LANGUAGES),
    tlp: z.enum(TLP_LABELS),
    defang: z.boolean(),
    subject: z.string(),
    body: z.string(),
    evidence: z.array(z.string()),
    reminderAfterHours: z.number().nullable(),
    followUpsSent: z.number(),
    encrypt: z.boolean(),
    lastSentAt: z.string().nullable(),
    lastReplyAt: z.string().nullable(),
    nextReminderAt: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    messages: z.array(MessageSchema),
    allowedStates: z.array(z.enum(COORDINATION_STATES)),
    contactTime: z.object({ localTime: z.string(), timeZone: z.string(), isOpen: z.boolean().nullable() }).nullable(),
  })
  .meta({ id: 'Coordination' });

export const TemplateSchema = z
  .object({
    kind: z.enum(TEMPLATE_KINDS),
    language: z.enum(LANGUAGES),
    subject: z.string(),
    body: z.string(),
    version: z.number().describe('0 = the built-in template'),
    isDefault: z.boolean(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    updatedByName: z.string().nullable().describe('the display name of the account that saved this version'),
  })
  .meta({ id: 'MessageTemplate' });

/** GET /api/templates: every kind × language in use, and the fields a template may name. */
export const MessageTemplatesSchema = z.object({ items: z.array(TemplateSchema), fields: z.record(z.string(), z.string()) });

export const OutcomeSchema = z.object({
  profile: z.string(),
  status: z.number().nullable(),
  errorKind: z.string().nullable(),
  error: z.string().nullable(),
  chain: z.array(z.object({ url: z.string(), status: z.number(), address: z.string().nullable() })),
  finalUrl: z.string(),
  title: z.string().nullable(),
  bodySha256: z.string().nullable().describe('the page as fetched, kept as evidence under this hash'),
  bodyBytes: z.number(),
  truncated: z.boolean(),
  certificate: z.object({ subject: z.string().nullable(), issuer: z.string().nullable(), validTo: z.string().nullable(), authorized: z.boolean() }).nullable(),
});

const VERDICTS = ['up', 'down', 'cloaked', 'unknown'] as const;
export const TakedownSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    url: z.string(),
    state: z.enum(TAKEDOWN_STATES),
    reportedAt: z.string(),
    requestedAt: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    downSince: z.string().nullable(),
    verifiedAt: z.string().nullable().describe('down from every profile for 48 hours'),
    relapsedAt: z.string().nullable(),
    lastVerdict: z.enum(VERDICTS).nullable(),
    lastCheckAt: z.string().nullable(),
    hoursToTakedown: z.number().nullable(),
    checks: z.array(z.object({ id: z.string(), at: z.string(), verdict: z.enum(VERDICTS), outcomes: z.array(OutcomeSchema) })),
  })
  .meta({ id: 'Takedown' });

const params = z.object({ id: z.string().min(1).max(64) });
const oneParams = z.object({ id: z.string().min(1).max(64), coordinationId: z.string().min(1).max(64).describe('UUID or the sequence number (2 in RK-…-C2)') });
const templateParams = z.object({ kind: z.string().max(40), language: z.string().max(8) });

/** Coordination with outside parties, and the message templates it writes from. */
export const coordinationRoutes: FastifyPluginAsyncZod<{ deps: ServiceDeps }> = async (app, { deps }) => {
  app.get(
    '/incidents/:id/coordinations',
    { schema: { tags: ['coordination'], summary: 'Every coordination of an incident, with its messages and replies', params, response: { 200: z.object({ items: z.array(CoordinationSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listCoordinations(deps, req.actor, req.params.id) }),
  );

  app.post(
    '/incidents/:id/coordinations',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Start a coordination with one party: a draft written from the template of its purpose and language, to review and send',
        params,
        body: CoordinationCreateSchema,
        response: { 201: CoordinationSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createCoordination(deps, req.actor, req.params.id, req.body)),
  );

  app.get(
    '/incidents/:id/coordinations/:coordinationId',
    { schema: { tags: ['coordination'], summary: 'One coordination', params: oneParams, response: { 200: CoordinationSchema, ...errorResponses } } },
    async (req) => getCoordination(deps, req.actor, req.params.id, req.params.coordinationId),
  );

  app.patch(
    '/incidents/:id/coordinations/:coordinationId',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Edit a draft (subject, body, evidence; or send it unencrypted on purpose)',
        params: oneParams,
        body: CoordinationDraftUpdateSchema,
        response: { 200: CoordinationSchema, ...errorResponses },
      },
    },
    async (req) => updateCoordinationDraft(deps, req.actor, req.params.id, req.params.coordinationId, req.body),
  );

  app.post(
    '/incidents/:id/coordinations/:coordinationId/send',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Send the draft: signed with the team key, encrypted when the contact has a key, queued durably and retried',
        params: oneParams,
        response: { 200: CoordinationSchema, ...errorResponses },
      },
    },
    async (req) => sendCoordination(deps, req.actor, req.params.id, req.params.coordinationId),
  );

  app.post(
    '/incidents/:id/coordinations/:coordinationId/state',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Record where the conversation stands (acknowledged, resolved, refused, no-response, cancelled)',
        params: oneParams,
        body: CoordinationStateChangeSchema,
        response: { 200: CoordinationSchema, ...errorResponses },
      },
    },
    async (req) => changeCoordinationState(deps, req.actor, req.params.id, req.params.coordinationId, req.body),
  );

  app.get(
    '/incidents/:id/takedowns',
    { schema: { tags: ['coordination'], summary: 'Takedowns of the incident’s URLs, with their latest liveness checks', params, response: { 200: z.object({ items: z.array(TakedownSchema) }), ...errorResponses } } },
    async (req) => ({ items: await listTakedowns(deps, req.actor, req.params.id) }),
  );

  app.post(
    '/incidents/:id/takedowns',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Track the takedown of a URL (defanged is fine): reported → requested → acknowledged → down (verified) → relapsed; checked every 30 minutes',
        params,
        body: TakedownCreateSchema,
        response: { 201: TakedownSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await createTakedown(deps, req.actor, req.params.id, req.body)),
  );

  app.post(
    '/incidents/:id/takedowns/:takedownId/check',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Check the site now, as several browser profiles; inconsistent answers are "cloaked", never "down"',
        params: z.object({ id: z.string().min(1).max(64), takedownId: z.string().min(1).max(64) }),
        response: { 200: TakedownSchema, ...errorResponses },
      },
    },
    async (req) => checkTakedownNow(deps, req.actor, req.params.id, req.params.takedownId),
  );

  app.get(
    '/templates',
    {
      schema: {
        tags: ['coordination'],
        summary: 'The message templates in use, per kind and language, and the fields they may name',
        response: { 200: MessageTemplatesSchema, ...errorResponses },
      },
    },
    async (req) => ({ items: await listTemplates(deps, req.actor), fields: { ...TEMPLATE_FIELDS } }),
  );

  app.get(
    '/templates/:kind/:language',
    { schema: { tags: ['coordination'], summary: 'One template in use', params: templateParams, response: { 200: TemplateSchema, ...errorResponses } } },
    async (req) => getTemplate(deps, req.actor, req.params.kind, req.params.language),
  );

  app.put(
    '/templates/:kind/:language',
    {
      schema: {
        tags: ['coordination'],
        summary: 'Save a new version of a template (leads); an unknown {{field}} is refused here',
        params: templateParams,
        body: TemplateInputSchema,
        response: { 200: TemplateSchema, ...errorResponses },
      },
    },
    async (req) => saveTemplate(deps, req.actor, req.params.kind, req.params.language, req.body),
  );
};
