import { ISSUE_KINDS } from '../domain/errors.js';
import { z } from 'zod';
import { CONTACT_ROLES, LANGUAGES, ORGANISATION_KINDS, RESOURCE_KINDS, TRUST_LEVELS } from '../domain/organisation.schema.js';
import { INCIDENT_STATUSES } from '../domain/incident-lifecycle.js';
import { BRAND_ORIGINS, BRAND_SECTORS } from '../domain/incident.js';
import { OBSERVABLE_TYPES } from '../domain/observables/index.js';
import { REJECT_REASONS, REPORT_CHANNELS, REPORT_STATUSES } from '../domain/report.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../domain/taxonomy.js';
import { TIMELINE_ACTIONS } from '../domain/timeline.js';
import { TLP_LABELS } from '../domain/tlp.js';

/**
 * Response shapes: what the API promises to return, and nothing more (zod
 * strips any field a presenter did not declare). Registered with ids so the
 * OpenAPI document names them.
 */
const ts = z.string().describe('ISO-8601 UTC date-time');
const id = z.string().describe('UUID');

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum([
        'NOT_FOUND',
        'VALIDATION',
        'CONFLICT',
        'INVALID_TRANSITION',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'RATE_LIMITED',
        'UNAVAILABLE',
        'EVIDENCE_CORRUPT',
        'GONE',
        'INTERNAL',
      ]),
      message: z.string(),
      issues: z
        .array(
          z.object({
            path: z.array(z.union([z.string(), z.number()])),
            message: z.string(),
            kind: z.enum(ISSUE_KINDS).optional().describe('what is wrong, for a page to say in its own language: required, too-big, too-small, format, choice, invalid'),
          }),
        )
        .optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
    requestId: z.string(),
  })
  .meta({ id: 'Error' });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int().describe('number of matches; a lower bound (1,000) when totalIsExact is false'),
    totalIsExact: z.boolean(),
    limit: z.number().int(),
    offset: z.number().int(),
  });

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

export const listParam = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).max(20)).optional();

export const ReportSchema = z
  .object({
    id,
    channel: z.enum(REPORT_CHANNELS),
    sourceRef: z.string(),
    sender: z.string().nullable(),
    senderName: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string(),
    language: z.string().nullable(),
    receivedAt: ts,
    createdAt: ts,
    createdBy: z.string(),
    status: z.enum(REPORT_STATUSES),
    rejectReason: z.enum(REJECT_REASONS).nullable(),
    rejectNote: z.string().nullable(),
    duplicateOf: z.string().nullable(),
    incidentId: z.string().nullable(),
    tlp: z.enum(TLP_LABELS),
    rawSha256: z.string().nullable(),
    rawSize: z.number().int().nullable(),
    reporterCountry: z.string().nullable().describe('Where the reporter is (ISO 3166-1 alpha-2): what the channel said, else the directory organisation of the sender, else the sender domain\'s ccTLD; null when unknown (never guessed)'),
    meta: z.record(z.string(), z.unknown()),
    replyTo: z.string().nullable().describe('The report this one answers (a reporter\'s reply to the receipt, threaded before triage): triaging that one takes this one along'),
  })
  .meta({ id: 'Report' });

export const ReportSummarySchema = ReportSchema.omit({ body: true }).meta({ id: 'ReportSummary' });

export const ObservableSchema = z
  .object({
    id,
    type: z.enum(OBSERVABLE_TYPES),
    value: z.string(),
    isPrivate: z.boolean(),
    firstSeenAt: ts,
    lastSeenAt: ts,
  })
  .meta({ id: 'Observable' });

export const IncidentRefSchema = z
  .object({
    id,
    number: z.string(),
    title: z.string(),
    status: z.string(),
    category: z.string(),
    tlp: z.string(),
    createdAt: ts,
  })
  .meta({ id: 'IncidentRef' });

export const TimelineEntrySchema = z
  .object({
    id,
    incidentId: z.string().nullable(),
    reportId: z.string().nullable(),
    at: ts,
    actor: z.string().describe('an account id, or `system:<name>` for what Renkei did itself (system:rules, system:smtp …)'),
    actorName: z.string().nullable().describe("the display name of the actor's account; null for `system:…` actors"),
    action: z.enum(TIMELINE_ACTIONS),
    changes: z.record(z.string(), z.unknown()),
    note: z.string().nullable(),
  })
  .meta({ id: 'TimelineEntry' });

export const IncidentSchema = z
  .object({
    id,
    number: z.string().describe('e.g. RK-2026-000042'),
    title: z.string(),
    summary: z.string().nullable(),
    category: z.enum(CATEGORIES),
    severity: z.enum(SEVERITIES),
    priority: z.enum(PRIORITIES),
    tlp: z.enum(TLP_LABELS),
    status: z.enum(INCIDENT_STATUSES),
    constituency: z.string().nullable(),
    owner: z.string().nullable(),
    organisationIds: z.array(z.string()),
    fiveW1H: z.object({
      occurredAt: z.string().nullable(),
      detectedAt: z.string().nullable(),
      reportedAt: z.string().nullable(),
      vector: z.string().nullable(),
      impact: z.string().nullable(),
      affectedAssets: z.string().nullable(),
      actor: z.string().nullable(),
      motive: z.string().nullable(),
    }),
    decisionOwner: z.string().nullable().describe('who decides what the team does on this incident'),
    scope: z.string().nullable().describe('what was decided we will and will not do'),
    exercise: z.boolean().describe('a drill: marked everywhere, mail tagged, never counted in statistics'),
    legalHold: z.boolean().describe('retention never removes this incident\'s evidence'),
    brandName: z.string().nullable(),
    brandSector: z.enum(BRAND_SECTORS).nullable(),
    brandOrigin: z.enum(BRAND_ORIGINS).nullable(),
    slaDueAt: z.string().nullable().describe('when the next SLA clock falls due; past when one is breached'),
    mergedInto: z.string().nullable(),
    createdAt: ts,
    createdBy: z.string(),
    updatedAt: ts,
    resolvedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'Incident' });

export const ContactSchema = z.object({
  id,
  name: z.string().nullable(),
  email: z.string(),
  phone: z.string().nullable(),
  role: z.enum(CONTACT_ROLES),
  language: z.enum(LANGUAGES),
  timezone: z.string(),
  officeHours: z.string().nullable(),
  pgpFingerprint: z.string().nullable(),
  pgpKey: z.string().nullable(),
});

export const OrganisationSchema = z
  .object({
    id,
    name: z.string(),
    kind: z.enum(ORGANISATION_KINDS),
    country: z.string().nullable(),
    trustLevel: z.enum(TRUST_LEVELS),
    notes: z.string().nullable(),
    contacts: z.array(ContactSchema),
    resources: z.array(z.object({ id, kind: z.enum(RESOURCE_KINDS), value: z.string() })),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'Organisation' });

export const errorResponses = {
  400: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  422: ErrorSchema,
} as const;
