import { z } from 'zod';
import { LANGUAGES } from './organisation.schema.js';
import { CATEGORIES } from './taxonomy.js';
import { CountryCodeSchema } from './report.js';
import { instant, multiLine, singleLine } from './text.js';

/**
 * The public report form: what a reporter fills in (the fields a
 * coordination centre's report template asks for), validated the same in
 * the page and on the server, with messages per field.
 */
export const FORM_MAX_FILES = 5;
export const FORM_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** The whole request, files included (base64 grows them by a third). */
export const FORM_MAX_BODY_BYTES = Math.ceil((FORM_MAX_FILES * FORM_MAX_FILE_BYTES * 4) / 3) + 1024 * 1024;

export const FormFileSchema = z.strictObject({
  name: singleLine(255),
  type: z.string().max(200).default('application/octet-stream'),
  contentBase64: z.base64('not base64').max(Math.ceil((FORM_MAX_FILE_BYTES * 4) / 3) + 4, `larger than ${FORM_MAX_FILE_BYTES / 1024 / 1024} MB`),
});

export const WebFormFieldsSchema = z.strictObject({
  reporterName: singleLine(200).pipe(z.string().min(1, 'required')),
  organisation: singleLine(200).optional(),
  email: z.email('not an e-mail address').max(320),
  phone: singleLine(64).optional(),
  /** Where the reporter is (ISO 3166-1 alpha-2), when they say: the statistics' domestic / foreign split. */
  country: CountryCodeSchema.optional(),
  incidentType: z.enum(CATEGORIES),
  /** When it happened, with its zone (`2026-11-25T23:40+09:00`). */
  occurredAt: instant().optional(),
  description: multiLine(100_000).pipe(z.string().min(1, 'required')),
  /** Source and target addresses, URLs. */
  addresses: multiLine(20_000).optional(),
  logs: multiLine(1_000_000).optional(),
  /** The reporter agrees to be named to the party we contact. */
  mayNameReporter: z.boolean().default(false),
  language: z.enum(LANGUAGES).default('ja'),
  files: z.array(FormFileSchema).max(FORM_MAX_FILES, `at most ${FORM_MAX_FILES} files`).default([]),
});
export type WebFormFields = z.output<typeof WebFormFieldsSchema>;

/** What the page posts: the fields, or (encrypted in the browser to the team key) an armored OpenPGP message holding them as JSON. */
export const WebFormSubmissionSchema = z.strictObject({
  fields: z.unknown().optional(),
  encrypted: z.string().max(FORM_MAX_BODY_BYTES).optional(),
  /** The honeypot: a field people never see; anything in it means a robot. */
  website: z.string().max(1000).optional(),
  /** Proof of work for the challenge from GET /api/public/challenge. */
  challenge: z.string().max(500).optional(),
  nonce: z.string().max(100).optional(),
});
export type WebFormSubmission = z.infer<typeof WebFormSubmissionSchema>;

/** Leading zero bits of a SHA-256 digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** The report body built from the form, in the reporter's language. */
export function formReportBody(f: WebFormFields): string {
  const ja = f.language === 'ja';
  const line = (label: [string, string], value: string | undefined | null) => (value ? `${ja ? label[0] : label[1]}: ${value}` : null);
  return [
    line(['報告者', 'Reporter'], f.reporterName),
    line(['組織', 'Organisation'], f.organisation),
    line(['メール', 'E-mail'], f.email),
    line(['電話', 'Phone'], f.phone),
    line(['国・地域', 'Country'], f.country),
    line(['種別', 'Type'], f.incidentType),
    line(['発生日時', 'Occurred at'], f.occurredAt),
    line(['相手先への氏名開示', 'May be named to the other party'], f.mayNameReporter ? (ja ? '可' : 'yes') : ja ? '不可' : 'no'),
    '',
    f.description,
    ...(f.addresses ? ['', ja ? '【関連アドレス・URL】' : '[Addresses and URLs]', f.addresses] : []),
    ...(f.logs ? ['', ja ? '【ログ】' : '[Logs]', f.logs] : []),
  ]
    .filter((l): l is string => l !== null)
    .join('\n');
}
