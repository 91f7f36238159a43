/**
 * The web app's API types (web/src/api/types.ts) written out by hand, checked
 * against the zod schemas the server answers with: `npm run check` fails when
 * a route's answer changes and the web app's idea of it does not. (The web app
 * cannot import the route files, which bring Node with them.) Not a test
 * file: the type checker is the test. Types must be identical — a field the
 * web app expects and the server never sends fails too — except a rule, whose
 * conditions and actions the web app reads as the domain's narrower types.
 */
import type { z } from 'zod';
import type * as Web from '../../web/src/api/types.js';
import type { AuditEventSchema } from '../../src/http/routes/admin.routes.js';
import type { AccountSchema, ApiTokenSchema, MeSchema } from '../../src/http/routes/auth.routes.js';
import type { IncidentDetailSchema, IncidentSlaSchema } from '../../src/http/routes/incidents.routes.js';
import type { CoordinationSchema, MessageSchema, OutcomeSchema, TakedownSchema, TemplateSchema } from '../../src/http/routes/coordinations.routes.js';
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

export type Checked = [
  Check<Same<Web.AuditEvent, z.output<typeof AuditEventSchema>>>,
  Check<Same<Web.Account, z.output<typeof AccountSchema>>>,
  Check<Same<Web.ApiToken, z.output<typeof ApiTokenSchema>>>,
  Check<Same<Web.Me, z.output<typeof MeSchema>>>,
  Check<Same<Web.IncidentDetail, z.output<typeof IncidentDetailSchema>>>,
  Check<Same<Web.IncidentSla, z.output<typeof IncidentSlaSchema>>>,
  Check<Same<Web.ReportDetail, z.output<typeof ReportDetailSchema>>>,
  Check<Same<Flat<Web.SearchResult>, Flat<z.output<typeof SearchResultSchema>>>>,
  Check<Same<Web.CoordinationMessage, z.output<typeof MessageSchema>>>,
  Check<Same<Web.Coordination, z.output<typeof CoordinationSchema>>>,
  Check<Same<Web.MessageTemplate, z.output<typeof TemplateSchema>>>,
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
];
