import type { InboundMailReader } from './inbound-mail-pool.js';
import type { Store } from '../store/store.js';
import type { EvidenceFiles } from '../store/evidence-files.js';
import type { TeamKey } from '../formats/pgp.js';
import type { ThrottleLimits } from './auth/throttle.js';
import type { DirectoryIndex } from './directory-index.js';
import type { RegistryIndex } from './registry-index.js';
import type { FetchOutcome, FetchProfile } from '../domain/liveness.js';
import type { BusinessCalendar } from '../domain/business-calendar.js';
import type { SlaPolicy } from '../domain/sla.js';

/** A relay's answer to one message. */
export interface RelayResult {
  response: string;
}

/** Why a relay did not take a message: `permanent` (5xx, refused recipient) is not retried. */
export class RelayError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** Hands a finished message to the outbound SMTP relay (channels/smtp-relay.ts). */
export interface MailTransport {
  /** Throws RelayError. `from: ''` is the null sender (`MAIL FROM:<>`). */
  send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<RelayResult>;
}

/** Fetches a reported site as one browser profile (channels/web-fetch.ts, behind the SSRF policy). */
export type SiteFetcher = (url: string, profile: FetchProfile) => Promise<FetchOutcome>;

/** What use cases need from the outside world; each takes only what it uses. */
export interface ServiceDeps {
  store: Store;
  clock: () => Date;
  settings: {
    incidentPrefix: string;
    timeZone: string;
    auth: {
      sessionIdleMinutes: number;
      sessionMaxHours: number;
      throttle: ThrottleLimits;
    };
    /** Who the team is in the mail it sends. */
    team: {
      name: string;
      email: string;
      /** Right-hand side of the Message-IDs it writes. */
      mailDomain: string;
      /** Escalation rules' on-call address (RENKEI_ONCALL_EMAIL); null: `notify on-call` goes to the leads. */
      oncallEmail?: string | null;
      /** Base URL of the web application, for links in mail (reset links, status pages). */
      publicUrl: string;
    };
    /** Service levels and the team's business calendar (office hours, Japanese holidays, closed days). */
    sla: {
      policies: SlaPolicy[];
      calendar: BusinessCalendar;
    };
    intake: {
      /** Answer each new report by mail with its reference (RFC 3834 rules: never to automated mail, lists or ourselves). */
      autoAcknowledge: boolean;
      /** Proof of work asked of the public form: leading zero bits of SHA-256 (0 = none). */
      formPowBits: number;
    };
    /** Evidence retention: files of incidents closed more than `retentionDays` ago are removed (never under legal hold); null: kept. */
    evidence?: {
      retentionDays: number | null;
    };
    /** The statistics (issue #7): the team's country (domestic vs foreign) and whether the public status page is on. */
    statistics?: {
      country: string;
      publicStatus: boolean;
    };
  };
  directoryIndex: DirectoryIndex;
  /** Imported registry ranges (RIR data) in memory. */
  registryIndex: RegistryIndex;
  /** Content-addressed evidence files (attachments, captures). */
  evidence: EvidenceFiles;
  /** The team's PGP keys, newest (published) first. */
  teamKeys: TeamKey[];
  /** Outbound mail relay. */
  mailer: MailTransport;
  /** Liveness checks of reported sites. */
  fetchSite: SiteFetcher;
  /** Reads inbound mail (MIME, ARF, archives), files its attachments and prepares its report — in worker threads when configured; absent: in this thread. */
  mailReader?: InboundMailReader;
  /** Called after a transaction that enqueued jobs committed, so a worker in this process starts at once. */
  wakeJobs: () => void;
}
