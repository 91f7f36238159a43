import type { Actor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import { mailHeaders, mailHtml, type MailHeader } from '../formats/mail.js';
import { openPgpMail } from '../formats/pgp.js';
import { accessScope } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { viewReportRaw } from './evidence.service.js';

/** At most this many characters of a mail's HTML are handed to the web app (the raw original stays whole). */
export const MAX_REPORT_HTML_CHARS = 1_000_000;

export interface ReportHtml {
  /** The sender's HTML exactly as written — hostile until the client has sanitised it; null when there is none to show. */
  html: string | null;
  /** Characters of the whole HTML part (0 without one). */
  length: number;
  /** The HTML was cut to MAX_REPORT_HTML_CHARS. */
  isTruncated: boolean;
  /** Why `html` is null: the mail had no HTML part, or it was encrypted and the team key no longer opens it. */
  unavailable: 'no-html' | 'undecryptable' | null;
}

interface StoredMailMeta {
  mail?: { hasHtml?: boolean };
  pgp?: { isEncrypted?: boolean } | null;
}

/**
 * The HTML part of a mailed report (issue #5: shown only sanitised, remote content blocked — the web app does that).
 * It is not stored on its own: the raw original is read again (visibility, hash check and custody as for its
 * download) and parsed; an encrypted mail is decrypted with the team key as at intake. Returned as data for the
 * client to sanitise, never as a page.
 */
export async function getReportHtml(deps: ServiceDeps, actor: Actor, id: string): Promise<ReportHtml> {
  const report = await deps.store.reports.findById(accessScope(actor), id);
  if (!report) throw notFound('report', id);
  const meta = report.meta as StoredMailMeta;
  if (!meta.mail?.hasHtml || !report.rawSha256) return none('no-html');
  const raw = await viewReportRaw(deps, actor, report, 'html');
  const html = await htmlOf(deps, raw, meta.pgp?.isEncrypted === true);
  if (html === UNDECRYPTABLE) return none('undecryptable');
  if (html === null) return none('no-html');
  const isTruncated = html.length > MAX_REPORT_HTML_CHARS;
  return { html: isTruncated ? cut(html, MAX_REPORT_HTML_CHARS) : html, length: html.length, isTruncated, unavailable: null };
}

/** At most this many headers are handed over (a header block is at most 2 MB anyway). */
export const MAX_REPORT_HEADERS = 2_000;

export interface ReportHeaders {
  /** Every header of the message as received, in order (for an encrypted mail: its outer headers). */
  headers: MailHeader[];
  isTruncated: boolean;
}

/**
 * All headers of a mailed report (the report view shows a few; the Received chain and the rest are often what a
 * handler needs), read again from the raw original with the same visibility, hash check and custody record as the
 * HTML version. Returned as data: shown as text, never as markup.
 */
export async function getReportHeaders(deps: ServiceDeps, actor: Actor, id: string): Promise<ReportHeaders> {
  const report = await deps.store.reports.findById(accessScope(actor), id);
  if (!report) throw notFound('report', id);
  if (report.channel !== 'email' || !report.rawSha256) return { headers: [], isTruncated: false };
  const headers = await mailHeaders(await viewReportRaw(deps, actor, report, 'headers'));
  return { headers: headers.slice(0, MAX_REPORT_HEADERS), isTruncated: headers.length > MAX_REPORT_HEADERS };
}

const UNDECRYPTABLE = Symbol('undecryptable');

/** As mail intake reads it: a PGP/MIME-encrypted mail's HTML is inside the decrypted entity; anything else is parsed as received. */
async function htmlOf(deps: ServiceDeps, raw: Buffer, isEncrypted: boolean): Promise<string | null | typeof UNDECRYPTABLE> {
  if (isEncrypted) {
    // Only decryption is needed here, so no contact keys: the signature was checked and recorded at intake.
    const opened = await openPgpMail(raw, deps.teamKeys, []);
    if (opened.kind === 'pgp-mime-encrypted') return opened.content && opened.contentIsMime ? mailHtml(opened.content) : UNDECRYPTABLE;
  }
  // The HTML only: the attachments (forwarded mails, Outlook items, winmail.dat) were read at intake.
  return mailHtml(raw);
}

const none = (unavailable: 'no-html' | 'undecryptable'): ReportHtml => ({ html: null, length: 0, isTruncated: false, unavailable });

/** The first `max` UTF-16 units, without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}
