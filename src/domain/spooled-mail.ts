/**
 * The mail spool as operators see it (services/held-mail.service.ts): mail
 * acknowledged (250) and not yet a report. Shared by the API and the web app.
 */
export interface SpoolCounts {
  /** Waiting to be recorded (including those waiting for a retry). */
  waiting: number;
  /** Held for an operator: they can never become a report as they are. */
  held: number;
  oldestReceivedAt: string | null;
}

export interface TroubledMail {
  id: string;
  receivedAt: string;
  /** The SMTP envelope: who handed it over, to which report addresses, from where. */
  mailFrom: string | null;
  rcptTo: string[];
  remoteAddress: string | null;
  /** The report address it came to (see intake-route.ts), or null. */
  route: string | null;
  size: number;
  attempts: number;
  /** Held: never tried again by itself (an operator mends what kept it from becoming a report, then releases it). */
  held: boolean;
  lastError: string | null;
  nextAttemptAt: string;
}
