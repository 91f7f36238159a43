/**
 * The API's shapes, taken from the same zod schemas the server validates its
 * answers with (src/http/schemas.ts, type-only: nothing of the server is
 * bundled). Shapes that the routes declare inline are written out here,
 * each naming the route it mirrors; those the routes name as schemas are
 * checked against them by test/web/api-types.check.ts (`npm run check`).
 */
import type { z } from 'zod';
import type {
  ErrorSchema,
  IncidentRefSchema,
  IncidentSchema,
  ObservableSchema,
  OrganisationSchema,
  ReportSchema,
  ReportSummarySchema,
  TimelineEntrySchema,
} from '../../../src/http/schemas.js';
import type { Language } from '../../../src/domain/organisation.schema.js';
import type { AbuseStepFacts } from '../../../src/domain/abuse-contact.js';
import type { Role, TokenScope } from '../../../src/domain/actor.js';
import type { CoordinationPurpose, CoordinationState } from '../../../src/domain/coordination.js';
import type { SlaClock } from '../../../src/domain/sla.js';
import type { Tlp } from '../../../src/domain/tlp.js';
import type { Phase, PlaybookTask, TaskState } from '../../../src/domain/playbook.js';
import type { RuleAction, RuleCondition } from '../../../src/domain/escalation-rule.js';
import type { Category } from '../../../src/domain/taxonomy.js';
import type { TemplateKind } from '../../../src/domain/message-template.js';
import type { CustodyEvent, EvidenceItem } from '../../../src/domain/evidence.js';

export type Incident = z.infer<typeof IncidentSchema>;
export type Report = z.infer<typeof ReportSchema>;
export type ReportSummary = z.infer<typeof ReportSummarySchema>;
export type Observable = z.infer<typeof ObservableSchema>;
export type IncidentRef = z.infer<typeof IncidentRefSchema>;
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
export type Organisation = z.infer<typeof OrganisationSchema>;
export type ApiErrorBody = z.infer<typeof ErrorSchema>;

export interface Page<T> {
  items: T[];
  total: number;
  totalIsExact: boolean;
  limit: number;
  offset: number;
}

/** AccountSchema in src/http/routes/auth.routes.ts. */
export interface Account {
  id: string;
  email: string;
  displayName: string;
  language: Language;
  roles: Role[];
  constituencies: string[];
  organisationId: string | null;
  hasPassword: boolean;
  isTotpEnabled: boolean;
  isDisabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NextStep = 'done' | 'totp' | 'enrol-totp';

/** GET /api/auth/me */
export interface Me {
  account: Account;
  next: NextStep;
  csrfToken: string | null;
}

/** AccountCreatedSchema in src/http/routes/admin.routes.ts (POST /api/accounts): the account, and its password once when none was given. */
export interface AccountCreated {
  account: Account;
  initialPassword?: string;
}

/** ApiTokenSchema in src/http/routes/auth.routes.ts (never the secret). */
export interface ApiToken {
  id: string;
  accountId: string;
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** ApiTokenCreatedSchema in src/http/routes/auth.routes.ts (POST /api/tokens): the token itself, shown once. */
export interface ApiTokenCreated {
  token: string;
  apiToken: ApiToken;
}

/** AuditEventSchema in src/http/routes/admin.routes.ts. */
export interface AuditEvent {
  position: number;
  id: string;
  at: string;
  actor: string;
  actorName: string | null;
  actorEmail: string | null;
  ip: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** AuditVerificationSchema in src/http/routes/admin.routes.ts (GET /api/audit/verify): intact up to the head, or the first broken link. */
export interface AuditVerification {
  ok: boolean;
  events: number;
  head?: string;
  position?: number;
  problem?: 'hash' | 'link' | 'gap' | 'head';
}

/** AttachmentSchema in src/http/routes/reports.routes.ts. */
export interface Attachment {
  id: string;
  sha256: string;
  sha1: string;
  md5: string;
  size: number;
  filename: string | null;
  mimeType: string;
  kind: 'attachment' | 'inline' | 'forwarded-message';
  note: string | null;
}

/** An open incident sharing observables with a report: how many. */
export interface CandidateIncident extends IncidentRef {
  shared: number;
}

/** GET /api/reports/:id */
export interface ReportDetail {
  report: Report;
  observables: Observable[];
  candidates: CandidateIncident[];
  timeline: TimelineEntry[];
  attachments: Attachment[];
}

/** GET /api/incidents/:id */
export interface IncidentDetail {
  incident: Incident;
  reports: Pick<ReportSummary, 'id' | 'channel' | 'sender' | 'subject' | 'receivedAt' | 'status'>[];
  reportTotal: number;
  reportTotalIsExact: boolean;
  mergedFrom: string[];
}

/** IncidentObservableSchema in src/http/routes/incidents.routes.ts (GET /api/incidents/:id/observables, each item). */
export type IncidentObservable = Observable & { isManual: boolean; seenInOtherIncidents: number };

/** GET /api/observables/:id/sightings */
export interface Sightings {
  observable: Observable;
  incidents: IncidentRef[];
  incidentTotal: number;
  reports: Pick<ReportSummary, 'id' | 'subject' | 'channel' | 'receivedAt' | 'incidentId' | 'status'>[];
  reportTotal: number;
}

/** GET /api/search */
export interface SearchResult {
  incidents: Page<{ item: Incident; snippet: string | null }>;
  reports: Page<{ item: ReportSummary; snippet: string | null }>;
}

/** GET /api/directory/owner */
export interface OwnerLookup {
  query: string;
  subject: { type: 'ip' | 'domain' | 'asn'; value: string };
  matches: {
    organisation: Pick<Organisation, 'id' | 'name' | 'kind' | 'country' | 'trustLevel'>;
    resource: { kind: 'ip-range' | 'domain' | 'asn'; value: string };
    specificity: number;
    isMostSpecific: boolean;
  }[];
  explanation: string;
  source: 'directory';
}

/** ReportHtml in src/http/routes/reports.routes.ts (GET /api/reports/:id/html): the sender's HTML, still to be sanitised. */
export interface ReportHtml {
  html: string | null;
  length: number;
  isTruncated: boolean;
  unavailable: 'no-html' | 'undecryptable' | null;
}

/** ReportHeaders in src/http/routes/reports.routes.ts (GET /api/reports/:id/headers): the sender's headers, text only. */
export interface ReportHeaders {
  headers: { name: string; value: string }[];
  isTruncated: boolean;
}

/**
 * What mail intake records in a report's meta (readInboundMail in src/services/inbound-mail.ts), as far as the screens read it.
 * The route types meta only as a record; test/web/api-types.check.ts checks this against InboundMailMeta, the type intake writes.
 */
export interface MailMeta {
  mail?: { messageId?: string | null; date?: string | null; to?: string[]; hasHtml?: boolean; isAutomated?: boolean };
  pgp?: { kind: string; isEncrypted: boolean; isDecrypted: boolean; signature: { status: string; fingerprint?: string | null; contact: { email: string; organisation: string } | null }; problems: string[] } | null;
  problems?: string[];
}

/** CoordinationMessage in src/http/routes/coordinations.routes.ts. */
export interface CoordinationMessage {
  id: string;
  coordinationId: string;
  direction: 'outbound' | 'inbound';
  kind: 'initial' | 'follow-up' | 'reply';
  messageId: string;
  subject: string;
  delivery: 'queued' | 'sent' | 'failed' | null;
  attempts: number;
  lastError: string | null;
  isSigned: boolean;
  isEncrypted: boolean;
  /** For replies: the report the reply was stored as. */
  reportId: string | null;
  at: string;
  sentAt: string | null;
}

/** Coordination in src/http/routes/coordinations.routes.ts (GET/POST /api/incidents/:id/coordinations). */
export interface Coordination {
  id: string;
  incidentId: string;
  sequence: number;
  /** [RK-2026-000123-C2] without the brackets. */
  tag: string;
  purpose: CoordinationPurpose;
  state: CoordinationState;
  organisationId: string | null;
  organisationName: string | null;
  contactEmail: string;
  contactName: string | null;
  language: Language;
  tlp: Tlp;
  defang: boolean;
  subject: string;
  body: string;
  evidence: string[];
  reminderAfterHours: number | null;
  followUpsSent: number;
  encrypt: boolean;
  lastSentAt: string | null;
  lastReplyAt: string | null;
  nextReminderAt: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  messages: CoordinationMessage[];
  allowedStates: CoordinationState[];
  contactTime: { localTime: string; timeZone: string; isOpen: boolean | null } | null;
}

/** TAKEDOWN_STATES of src/domain/liveness.ts (a module with Node types, not imported here). */
export type TakedownState = 'reported' | 'requested' | 'acknowledged' | 'down' | 'relapsed';
export type TakedownVerdict = 'up' | 'down' | 'cloaked' | 'unknown';

/** One browser profile's answer in a liveness check (OutcomeSchema in coordinations.routes.ts). */
export interface TakedownOutcome {
  profile: string;
  status: number | null;
  errorKind: string | null;
  error: string | null;
  chain: { url: string; status: number; address: string | null }[];
  finalUrl: string;
  title: string | null;
  bodySha256: string | null;
  bodyBytes: number;
  truncated: boolean;
  certificate: { subject: string | null; issuer: string | null; validTo: string | null; authorized: boolean } | null;
}

/** Takedown in src/http/routes/coordinations.routes.ts. */
export interface Takedown {
  id: string;
  incidentId: string;
  url: string;
  state: TakedownState;
  reportedAt: string;
  requestedAt: string | null;
  acknowledgedAt: string | null;
  downSince: string | null;
  verifiedAt: string | null;
  relapsedAt: string | null;
  lastVerdict: TakedownVerdict | null;
  lastCheckAt: string | null;
  hoursToTakedown: number | null;
  checks: { id: string; at: string; verdict: TakedownVerdict; outcomes: TakedownOutcome[] }[];
}

/** GET /api/incidents/:id/sla */
export interface SlaClockView {
  clock: SlaClock;
  targetMinutes: number;
  counting: 'calendar' | 'office-hours';
  state: 'running' | 'paused' | 'met' | 'breached' | 'met-late';
  elapsedMinutes: number;
  dueAt: string | null;
  startedAt: string;
  metAt: string | null;
}
export interface IncidentSla {
  policy: string | null;
  counting: 'calendar' | 'office-hours' | null;
  clocks: SlaClockView[];
}

/** GET /api/directory/abuse-contact */
export interface AbuseContact {
  query: string;
  subject: { type: 'ip' | 'domain' | 'asn'; value: string };
  contact: {
    email: string;
    name: string | null;
    organisation: string | null;
    organisationId: string | null;
    country: string | null;
    source: string;
    asOf: string | null;
    reason: string;
  } | null;
  steps: { source: 'directory' | 'registry' | 'security.txt'; found: boolean; detail: string; facts: AbuseStepFacts; asOf: string | null }[];
}

/** AbuseStepFacts (src/domain/abuse-contact.ts): what a step found, for the screen to word. */
export type { AbuseStepFacts };

/** EvidenceItem and CustodyEvent in src/http/routes/evidence.routes.ts (the domain's own shapes, sent as they are). */
export type { CustodyEvent, EvidenceItem };

/** ItemWithCustodySchema in src/http/routes/evidence.routes.ts (GET /api/incidents/:id/evidence/:itemId, POST …/:itemId/hand-over). */
export interface EvidenceItemView {
  item: EvidenceItem;
  custody: CustodyEvent[];
}

/** Task in src/http/routes/steering.routes.ts (GET /api/incidents/:id/tasks). */
export interface Task {
  id: string;
  incidentId: string;
  phase: Phase;
  title: { ja?: string; en?: string };
  description: { ja?: string; en?: string } | null;
  /** The playbook task key; null for a task written by hand. */
  key: string | null;
  /** category@version of the playbook it came from. */
  playbook: string | null;
  mandatory: boolean;
  assignee: string | null;
  dueAt: string | null;
  state: TaskState;
  reason: string | null;
  doneAt: string | null;
  doneBy: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
}

/** Playbook in src/http/routes/steering.routes.ts (GET /api/playbooks, /api/playbooks/:category). */
export interface Playbook {
  category: Category;
  /** 0: the built-in playbook. */
  version: number;
  updatedBy: string;
  updatedAt: string;
  title: { ja: string; en: string };
  tasks: PlaybookTask[];
  history?: { version: number; updatedBy: string; updatedAt: string }[];
}

/** EscalationRule in src/http/routes/steering.routes.ts (GET /api/rules). */
export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  when: RuleCondition;
  then: RuleAction[];
  version: number;
  updatedBy: string;
  updatedAt: string;
}

/** TemplateSchema in src/http/routes/coordinations.routes.ts (GET /api/templates, GET/PUT /api/templates/:kind/:language). */
export interface MessageTemplate {
  kind: TemplateKind;
  language: Language;
  subject: string;
  body: string;
  /** 0: the built-in template. */
  version: number;
  isDefault: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
  /** The display name of the account that saved this version. */
  updatedByName: string | null;
}

/** MessageTemplatesSchema in src/http/routes/coordinations.routes.ts (GET /api/templates): every kind × language in use, and the fields a template may name (English descriptions). */
export interface MessageTemplates {
  items: MessageTemplate[];
  fields: Record<string, string>;
}

/** GET /api/incidents/:id/decisions */
export interface IncidentDecisions {
  decisions: {
    before: 'send-outside';
    ruleId: string | null;
    requiredAt: string;
    decision: 'approved' | 'refused' | null;
    decidedBy: string | null;
    /** The display name of the lead who decided. */
    decidedByName: string | null;
    decidedAt: string | null;
    note: string | null;
  }[];
  firings: { ruleId: string; name: string | null; cause: string; version: number; firedAt: string }[];
}
