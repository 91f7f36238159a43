import { z } from 'zod';
import { multiLine, singleLine } from './text.js';
import { parseOfficeHours } from './office-hours.js';

export const ORGANISATION_KINDS = [
  'constituent',
  'isp',
  'hosting',
  'registrar',
  'csirt',
  'vendor',
  'law-enforcement',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

/** How far the team trusts a party with shared information (1 = unknown … 4 = close partner). */
export const TRUST_LEVELS = ['unknown', 'low', 'medium', 'high'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export const CONTACT_ROLES = ['abuse', 'security', '24x7', 'technical', 'management', 'general'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export const LANGUAGES = ['ja', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const RESOURCE_KINDS = ['ip-range', 'asn', 'domain'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

const text = (max: number) => singleLine(max);

/** Zones already accepted: building an Intl.DateTimeFormat costs ~50 µs, and a directory import checks every contact. */
const knownTimeZones = new Set<string>();

/** An IANA time zone name that this runtime knows. */
export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine((tz) => {
    if (knownTimeZones.has(tz)) return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      if (knownTimeZones.size < 1000) knownTimeZones.add(tz);
      return true;
    } catch {
      return false;
    }
  }, 'not a known IANA time zone (e.g. Asia/Tokyo, America/New_York)');

export const ContactInputSchema = z.strictObject({
  name: text(200).optional(),
  email: z.email().max(320),
  phone: singleLine(64).optional(),
  role: z.enum(CONTACT_ROLES).default('general'),
  language: z.enum(LANGUAGES).default('en'),
  timezone: TimeZoneSchema.default('UTC'),
  /** Office hours in the contact's zone, e.g. `Mon-Fri 09:00-18:00` (see domain/office-hours.ts). */
  officeHours: z
    .string()
    .trim()
    .max(200)
    .superRefine((text, ctx) => {
      const parsed = parseOfficeHours(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
    })
    .optional(),
  pgpFingerprint: z
    .string()
    .transform((s) => s.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^([0-9A-F]{40}|[0-9A-F]{64})$/, 'a PGP fingerprint is 40 (v4) or 64 (v6) hex digits'))
    .optional(),
  pgpKey: multiLine(100_000).optional(),
});
export type ContactInput = z.infer<typeof ContactInputSchema>;

export const ResourceInputSchema = z.strictObject({
  kind: z.enum(RESOURCE_KINDS),
  /** `203.0.113.0/24`, `2001:db8::/32`, `AS64500`, `example.jp`. */
  value: text(255),
});
export type ResourceInput = z.infer<typeof ResourceInputSchema>;

export const OrganisationInputSchema = z.strictObject({
  name: text(200),
  kind: z.enum(ORGANISATION_KINDS),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'country is an ISO 3166-1 alpha-2 code such as JP')
    .optional(),
  trustLevel: z.enum(TRUST_LEVELS).default('unknown'),
  notes: multiLine(10_000).optional(),
  contacts: z.array(ContactInputSchema).max(100).default([]),
  resources: z.array(ResourceInputSchema).max(10_000).default([]),
});
export type OrganisationInput = z.infer<typeof OrganisationInputSchema>;
