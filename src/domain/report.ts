import { z } from 'zod';
import { TLP_LABELS, type Tlp } from './tlp.js';
import { instant, multiLine, singleLine } from './text.js';
import type { ExtractedObservable } from './observables/index.js';

export const REPORT_CHANNELS = ['email', 'web-form', 'api', 'feed', 'phone', 'other'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

export const REPORT_STATUSES = ['new', 'triaged', 'rejected'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const REJECT_REASONS = ['spam', 'out-of-scope', 'duplicate'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Largest raw original accepted through the API (mail intake has its own limits). */
export const MAX_RAW_BYTES = 25 * 1024 * 1024;

/** An ISO 3166-1 alpha-2 country code (`jp` is accepted as `JP`). */
export const CountryCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as JP');

export const ReportCreateSchema = z.strictObject({
  channel: z.enum(REPORT_CHANNELS).default('api'),
  /**
   * The channel's own identity of the message (Message-ID, feed row id, form
   * submission id). The same `(channel, sourceRef)` is stored once. Defaults to
   * the SHA-256 of the raw original, or of the subject and body.
   */
  sourceRef: singleLine(998).optional(),
  sender: singleLine(320).optional(),
  senderName: singleLine(200).optional(),
  subject: singleLine(998).optional(),
  body: multiLine(5_000_000),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as ja or en').optional(),
  receivedAt: instant().optional(),
  tlp: z.enum(TLP_LABELS).default('AMBER'),
  /** The original bytes, base64: kept unchanged, hashed. */
  raw: z
    .base64('raw must be base64')
    .max(Math.ceil((MAX_RAW_BYTES * 4) / 3) + 4, 'raw is larger than 25 MB')
    .optional(),
  /** Text of attachments, searched and scanned for observables with the body. */
  attachmentsText: z.array(multiLine(5_000_000)).max(100).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  /**
   * The reporter's country (ISO 3166-1 alpha-2), when the channel knows it (a form's country field).
   * Otherwise intake derives it from the directory or the sender's ccTLD (`reporterCountryOf`).
   */
  reporterCountry: CountryCodeSchema.optional(),
});
export type ReportCreateInput = z.input<typeof ReportCreateSchema>;
export type ReportCreate = z.output<typeof ReportCreateSchema>;

export const ReportRejectSchema = z.strictObject({
  reason: z.enum(REJECT_REASONS),
  note: multiLine(10_000).optional(),
  /** With reason `duplicate`: the report it duplicates. */
  duplicateOf: z.uuid().optional(),
});
export type ReportRejectInput = z.infer<typeof ReportRejectSchema>;

export interface Report {
  id: string;
  channel: ReportChannel;
  sourceRef: string;
  sender: string | null;
  senderName: string | null;
  subject: string | null;
  body: string;
  language: string | null;
  receivedAt: string;
  createdAt: string;
  createdBy: string;
  status: ReportStatus;
  rejectReason: RejectReason | null;
  rejectNote: string | null;
  duplicateOf: string | null;
  incidentId: string | null;
  tlp: Tlp;
  rawSha256: string | null;
  rawSize: number | null;
  meta: Record<string, unknown>;
  /** ISO 3166-1 alpha-2 of the reporter, or null when it could not be told (never guessed). */
  reporterCountry: string | null;
  /** The report this one answers (a reporter's reply to our receipt, before triage): it goes where that one goes. */
  replyTo: string | null;
}

export interface ReportObservable extends ExtractedObservable {
  id: string;
}

/**
 * ccTLDs that are not the ISO 3166-1 code of a country: `.uk` is GB; `.eu`,
 * `.su` and `.ac` name no ISO country (unknown rather than a guess).
 */
const CCTLD_EXCEPTIONS: Readonly<Record<string, string | null>> = { uk: 'GB', eu: null, su: null, ac: null };

/**
 * The country a sender's address or domain points to by its top-level
 * domain: `abuse@example.co.jp` → `JP`; generic TLDs (`.com`, `.org`,
 * `.info`, new gTLDs) and anything unreadable → null.
 */
export function countryOfCcTld(addressOrDomain: string | null | undefined): string | null {
  if (!addressOrDomain) return null;
  const domain = addressOrDomain.slice(addressOrDomain.lastIndexOf('@') + 1).trim().replace(/\.$/, '').toLowerCase();
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  if (!domain.includes('.') || !/^[a-z]{2}$/.test(tld)) return null;
  return tld in CCTLD_EXCEPTIONS ? (CCTLD_EXCEPTIONS[tld] ?? null) : tld.toUpperCase();
}

/** `user@mail.example.co.jp` → `['mail.example.co.jp', 'example.co.jp', 'co.jp']`: the sender's domain and its parents (not the bare TLD). */
export function senderDomains(address: string | null | undefined): string[] {
  if (!address || !address.includes('@')) return [];
  const domain = address.slice(address.lastIndexOf('@') + 1).trim().replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(domain)) return [];
  const parts = domain.split('.').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => parts.slice(i).join('.'));
}
