/**
 * Writing the organisation directory as CSV. Re-exported by `organisations-csv.ts`,
 * which is where importers get it from.
 */
import { stringify } from 'csv-stringify/sync';
import type { ContactInput, OrganisationInput, ResourceKind } from '../domain/organisation.schema.js';
import { CONTACT_COLUMNS, ORGANISATION_CSV_COLUMNS, type OrganisationCsvColumn } from './organisations-csv.columns.js';

/**
 * Write the directory in the layout `parseOrganisationsCsv` reads: one row per contact
 * (one row for an organisation without contacts), organisation-level cells on the
 * organisation's first row only. `bom` helps Excel open the file as UTF-8.
 */
export function writeOrganisationsCsv(orgs: OrganisationInput[], options: { bom?: boolean } = {}): string {
  const rows: string[][] = [];
  for (const org of orgs) {
    const list = (kind: ResourceKind) => org.resources.filter((r) => r.kind === kind).map((r) => r.value).join('; ');
    const orgCells: Partial<Record<OrganisationCsvColumn, string>> = {
      organisation: org.name,
      kind: org.kind,
      country: org.country,
      trust_level: org.trustLevel,
      ip_ranges: list('ip-range'),
      asns: list('asn'),
      domains: list('domain'),
      notes: org.notes,
    };
    const contacts: (ContactInput | undefined)[] = org.contacts.length > 0 ? org.contacts : [undefined];
    contacts.forEach((contact, i) => {
      const cells: Partial<Record<OrganisationCsvColumn, string>> = i === 0 ? { ...orgCells } : { organisation: org.name };
      if (contact) for (const [field, column] of Object.entries(CONTACT_COLUMNS)) cells[column] = contact[field as keyof ContactInput];
      rows.push(ORGANISATION_CSV_COLUMNS.map((column) => cells[column] ?? ''));
    });
  }
  const csv = stringify([[...ORGANISATION_CSV_COLUMNS], ...rows], { record_delimiter: 'windows', quote_record_delimiter: true });
  return options.bom ? `\uFEFF${csv}` : csv;
}
