/**
 * The web app's API types (web/src/api/types.ts) written out by hand, checked
 * against the zod schemas the server answers with: `npm run check` fails when
 * a route's answer changes and the web app's idea of it does not. (The web app
 * cannot import the route files, which bring Node with them.) Not a test
 * file: the type checker is the test. Types must be identical — a field the
 * web app expects and the server never sends fails too — except a rule, whose
 * conditions and actions the web app reads as the domain's narrower types, and
 * a report's meta, which the route types only as a record: what mail intake
 * writes there is typed at its source (InboundMailMeta, which its literal
 * `satisfies`) and must be readable as the web app's MailMeta.
 */
import type { z } from 'zod';
import type * as Web from '../../web/src/api/types.js';
import type { AccountCreatedSchema, AuditEventSchema, AuditVerificationSchema } from '../../src/http/routes/admin.routes.js';
import type { AccountSchema, ApiTokenCreatedSchema, ApiTokenSchema, MeSchema } from '../../src/http/routes/auth.routes.js';
import type { IncidentDetailSchema, IncidentObservableSchema, IncidentSlaSchema } from '../../src/http/routes/incidents.routes.js';
import type { CoordinationSchema, MessageSchema, MessageTemplatesSchema, OutcomeSchema, TakedownSchema, TemplateSchema } from '../../src/http/routes/coordinations.routes.js';
import type { ItemWithCustodySchema } from '../../src/http/routes/evidence.routes.js';
import type { InboundMailMeta, PgpSummary } from '../../src/services/inbound-mail.js';
import type { SpoolCountsSchema, TroubledMailSchema } from '../../src/http/routes/intake.routes.js';
import type { SightingsSchema } from '../../src/http/routes/observables.routes.js';
import type { AbuseContactSchema, OwnerLookupSchema } from '../../src/http/routes/organisations.routes.js';
import type { SpoolCounts, TroubledMail } from '../../src/domain/spooled-mail.js';
import type { SearchResultSchema } from '../../src/http/routes/search.routes.js';
import type { AttachmentSchema, ReportDetailSchema, ReportHeadersSchema, ReportHtmlSchema } from '../../src/http/routes/reports.routes.js';
import type { IncidentDecisionsSchema, PlaybookOutSchema, PlaybookWithHistorySchema, RuleOutSchema, TaskSchema } from '../../src/http/routes/steering.routes.js';

/** True when the two types are identical (an extra optional field, or a readonly one, is a difference). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** An object type written out flat (an intersection compares as identical only once flattened). */
type Flat<T> = { [K in keyof T]: T[K] };
/** True when each is assignable to the other: for a web type written with the domain's own (narrower) types inside. */
type Compatible<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
/**
 * True when every value of Server can be read as Web, and Web names no field
 * Server lacks: for a shape the route types only as a record (a report's
 * meta), which the web app reads in part.
 */
type Reads<Server, Web> = [Server] extends [Web] ? ([Exclude<keyof Web, keyof Server>] extends [never] ? true : false) : false;

export type Checked = [
  Check<Same<Web.AuditEvent, z.output<typeof AuditEventSchema>>>,
  Check<Same<Web.Account, z.output<typeof AccountSchema>>>,
  Check<Same<Web.ApiToken, z.output<typeof ApiTokenSchema>>>,
  Check<Same<Web.AccountCreated, z.output<typeof AccountCreatedSchema>>>,
  Check<Same<Web.ApiTokenCreated, z.output<typeof ApiTokenCreatedSchema>>>,
  Check<Same<Web.AuditVerification, z.output<typeof AuditVerificationSchema>>>,
  Check<Same<Web.Me, z.output<typeof MeSchema>>>,
  Check<Same<Web.IncidentDetail, z.output<typeof IncidentDetailSchema>>>,
  Check<Same<Web.IncidentSla, z.output<typeof IncidentSlaSchema>>>,
  Check<Same<Flat<Web.IncidentObservable>, Flat<z.output<typeof IncidentObservableSchema>>>>,
  Check<Same<Web.EvidenceItemView, z.output<typeof ItemWithCustodySchema>>>,
  Check<Same<Web.ReportDetail, z.output<typeof ReportDetailSchema>>>,
  Check<Same<Flat<Web.SearchResult>, Flat<z.output<typeof SearchResultSchema>>>>,
  Check<Same<Web.CoordinationMessage, z.output<typeof MessageSchema>>>,
  Check<Same<Web.Coordination, z.output<typeof CoordinationSchema>>>,
  Check<Same<Web.MessageTemplate, z.output<typeof TemplateSchema>>>,
  Check<Same<Web.MessageTemplates, z.output<typeof MessageTemplatesSchema>>>,
  Check<Same<Web.TakedownOutcome, z.output<typeof OutcomeSchema>>>,
  Check<Same<Web.Takedown, z.output<typeof TakedownSchema>>>,
  Check<Same<Web.Sightings, z.output<typeof SightingsSchema>>>,
  Check<Same<Web.OwnerLookup, z.output<typeof OwnerLookupSchema>>>,
  Check<Same<Web.AbuseContact, z.output<typeof AbuseContactSchema>>>,
  Check<Same<Web.Attachment, z.output<typeof AttachmentSchema>>>,
  Check<Same<Web.ReportHtml, z.output<typeof ReportHtmlSchema>>>,
  Check<Same<Web.ReportHeaders, z.output<typeof ReportHeadersSchema>>>,
  Check<Same<Web.Task, z.output<typeof TaskSchema>>>,
  Check<Same<Web.IncidentDecisions, z.output<typeof IncidentDecisionsSchema>>>,
  // One web type for the list's playbooks and the one with its history (GET /api/playbooks/:category).
  Check<Same<Flat<Web.Playbook>, Flat<z.output<typeof PlaybookOutSchema> & { history?: z.output<typeof PlaybookWithHistorySchema>['history'] }>>>,
  // The web app reads a rule's conditions and actions as the domain types them; the route describes them more loosely.
  Check<Compatible<Web.Rule, z.output<typeof RuleOutSchema>>>,
  // The mail spool's shapes, which the web app takes from the domain.
  Check<Same<SpoolCounts, z.output<typeof SpoolCountsSchema>>>,
  Check<Same<TroubledMail, z.output<typeof TroubledMailSchema>>>,
  // A report's meta as mail intake writes it (see InboundMailMeta): readable as Web.MailMeta, field by field.
  Check<Reads<InboundMailMeta, Web.MailMeta>>,
  Check<Reads<InboundMailMeta['mail'], NonNullable<Web.MailMeta['mail']>>>,
  Check<Reads<PgpSummary, NonNullable<Web.MailMeta['pgp']>>>,
  Check<Reads<PgpSummary['signature'], NonNullable<Web.MailMeta['pgp']>['signature']>>,
  Check<Reads<NonNullable<PgpSummary['signature']['contact']>, NonNullable<NonNullable<Web.MailMeta['pgp']>['signature']['contact']>>>,
];
