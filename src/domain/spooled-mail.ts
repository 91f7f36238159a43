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

/**
 * Why a mail is held (the web app words it in the reader's language):
 * - `refused`: it can never become a report as it is (too large, refused by validation);
 * - `attempts`: every attempt failed (MAX_SPOOL_ATTEMPTS), so it is no longer tried by itself;
 * - `bytes-missing`: its row is spooled without its bytes.
 */
export const HELD_REASONS = ['refused', 'attempts', 'bytes-missing'] as const;
export type HeldReason = (typeof HELD_REASONS)[number];

/** Attempts before a mail that keeps failing (or kills the process while it is read) is held: about 2 hours of retries. */
export const MAX_SPOOL_ATTEMPTS = 16;

/** A page of troubled mails, oldest first; `next` is the cursor (`after`) of the page after, or null at the end. */
export interface TroubledPage {
  items: TroubledMail[];
  next: string | null;
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
  /** Why it is held, or null when it is waiting. */
  heldReason: HeldReason | null;
  /** The server's own words for the last failure (English, technical). */
  lastError: string | null;
  nextAttemptAt: string;
}
