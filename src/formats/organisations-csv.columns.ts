/**
 * The layout of the organisation directory CSV: its columns, and the organisation,
 * contact and resource field each column holds. Shared by the reader and the writer.
 */
import type { ContactInput, ResourceKind } from '../domain/organisation.schema.js';

export const ORGANISATION_CSV_COLUMNS = [
  'organisation',
  'kind',
  'country',
  'trust_level',
  'ip_ranges',
  'asns',
  'domains',
  'notes',
  'contact_name',
  'contact_email',
  'contact_phone',
  'contact_role',
  'contact_language',
  'contact_timezone',
  'contact_office_hours',
  'contact_pgp_fingerprint',
  'contact_pgp_key',
] as const;
export type OrganisationCsvColumn = (typeof ORGANISATION_CSV_COLUMNS)[number];

/** Organisation-level fields other than the name, with their columns. */
export const ORG_COLUMNS = { kind: 'kind', country: 'country', trustLevel: 'trust_level', notes: 'notes' } as const;
export type OrgField = keyof typeof ORG_COLUMNS;

export const CONTACT_COLUMNS = {
  name: 'contact_name',
  email: 'contact_email',
  phone: 'contact_phone',
  role: 'contact_role',
  language: 'contact_language',
  timezone: 'contact_timezone',
  officeHours: 'contact_office_hours',
  pgpFingerprint: 'contact_pgp_fingerprint',
  pgpKey: 'contact_pgp_key',
} as const satisfies Record<keyof ContactInput, OrganisationCsvColumn>;

export const RESOURCE_COLUMNS = { 'ip-range': 'ip_ranges', asn: 'asns', domain: 'domains' } as const satisfies Record<ResourceKind, OrganisationCsvColumn>;
