/**
 * The API's shapes, taken from the same zod schemas the server validates its
 * answers with (src/http/schemas.ts, type-only: nothing of the server is
 * bundled). Shapes that the routes declare inline are written out here,
 * each naming the route it mirrors.
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
import type { Role } from '../../../src/domain/actor.js';

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

/** GET /api/reports/:id */
export interface ReportDetail {
  report: Report;
  observables: Observable[];
  candidates: (IncidentRef & { shared: number })[];
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

/** GET /api/incidents/:id/observables */
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

/** What mail intake records in a report's meta (src/services/mail-intake.service.ts), as far as the screens read it. */
export interface MailMeta {
  mail?: { messageId?: string | null; date?: string | null; to?: string[]; hasHtml?: boolean; isAutomated?: boolean };
  pgp?: { kind: string; isEncrypted: boolean; isDecrypted: boolean; signature: { status: string; fingerprint?: string | null; contact: { email: string; organisation: string } | null }; problems: string[] } | null;
  problems?: string[];
}
