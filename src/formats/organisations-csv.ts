/**
 * The organisation directory as CSV: one row per contact, organisation-level cells
 * repeated or left blank on an organisation's later rows.
 *
 * Reading never throws for bad rows: each bad row is reported with its line and
 * column and left out, the good rows still count. Line numbers are those of the
 * file (header = 1; a record with a multi-line quoted cell has the line it starts on).
 */
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { rangeToCidrs } from '../domain/ip-range-index.js';
import {
  ORGANISATION_KINDS,
  OrganisationInputSchema,
  type ContactInput,
  type OrganisationInput,
  type ResourceInput,
  type ResourceKind,
} from '../domain/organisation.schema.js';
import { normaliseResource } from '../domain/resource.js';
import { readRecords } from './csv-records.js';
import {
  CONTACT_COLUMNS,
  ORG_COLUMNS,
  ORGANISATION_CSV_COLUMNS,
  RESOURCE_COLUMNS,
  type OrganisationCsvColumn,
  type OrgField,
} from './organisations-csv.columns.js';

export { ORGANISATION_CSV_COLUMNS, type OrganisationCsvColumn } from './organisations-csv.columns.js';
export { writeOrganisationsCsv } from './organisations-csv.writer.js';

export interface CsvRowError {
  /** 1-based line number of the record in the file, header = 1. */
  row: number;
  organisation?: string;
  /** `column` is a CSV column name, or `*` for the record as a whole (e.g. broken quoting). */
  errors: { column: string; message: string }[];
}

export interface OrganisationsCsvParse {
  organisations: OrganisationInput[];
  errors: CsvRowError[];
  /** Data records read, bad ones included, blank lines not. */
  rowsRead: number;
}

const WHOLE_RECORD = '*';

/** Kept as written: whitespace may matter inside a note or an armoured key. */
const UNTRIMMED = new Set<OrganisationCsvColumn>(['notes', 'contact_pgp_key']);
/** Enum cells: `ISP`, `Law Enforcement` and `High` are read as `isp`, `law-enforcement`, `high`. */
const LOWER_CASED = new Set<OrganisationCsvColumn>(['kind', 'trust_level', 'contact_role', 'contact_language']);

/** One row on its own: the row-level schema, where `kind` may come from another row of the organisation. */
const RowSchema = OrganisationInputSchema.extend({ kind: OrganisationInputSchema.shape.kind.optional() });

// ---------------------------------------------------------------------------
// Reading

/** Read the directory from CSV (UTF-8, with or without BOM). */
export function parseOrganisationsCsv(input: string | Buffer): OrganisationsCsvParse {
  const text = decode(input);
  if (text === undefined) {
    return fileError('the file is not UTF-8 text (from Excel, save it as "CSV UTF-8")');
  }
  if (text.trim() === '') return fileError(`the file is empty: expected a header row (${ORGANISATION_CSV_COLUMNS.join(', ')})`);

  const { records, broken } = readRecords(text);
  const first = [...records, ...broken].sort((a, b) => a.line - b.line)[0];
  if (first === undefined || 'message' in first) {
    return fileError(`the header row is not CSV${first && 'message' in first ? `: ${first.message}` : ''}`);
  }
  const header = readHeader(first.fields);
  if (typeof header === 'string') return fileError(header);

  const errors = new RowErrors();
  const rows: Row[] = [];
  let rowsRead = 0;
  for (const b of broken) {
    rowsRead++;
    const column = b.column === undefined ? WHOLE_RECORD : (header[b.column] ?? WHOLE_RECORD);
    errors.add(b.line, organisationOf(b.text, header), { column, message: b.message });
  }
  for (const record of records) {
    if (record === first || record.fields.every((f) => f.trim() === '')) continue;
    rowsRead++;
    if (record.fields.length !== header.length) {
      errors.add(record.line, undefined, {
        column: WHOLE_RECORD,
        message: `the record has ${record.fields.length} cells but the header has ${header.length} (an unquoted comma or a missing one?)`,
      });
      continue;
    }
    const cells = new Map<OrganisationCsvColumn, string>();
    header.forEach((column, i) => {
      const raw = record.fields[i]!;
      if (raw.trim() !== '') cells.set(column, UNTRIMMED.has(column) ? raw : raw.trim());
    });
    const row = readRow(record.line, cells);
    if (row.errors.length > 0) errors.add(row.line, row.name, ...row.errors);
    else rows.push(row);
  }

  const organisations: OrganisationInput[] = [];
  for (const orgRows of groupByOrganisation(rows)) {
    const org = buildOrganisation(orgRows, errors);
    if (org) organisations.push(org);
  }
  return { organisations, errors: errors.list(), rowsRead };
}

const fileError = (message: string): OrganisationsCsvParse => ({
  organisations: [],
  errors: [{ row: 1, errors: [{ column: WHOLE_RECORD, message }] }],
  rowsRead: 0,
});

function decode(input: string | Buffer): string | undefined {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  try {
    // A fatal decoder refuses Shift_JIS and other legacy encodings instead of guessing; it drops a BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return undefined;
  }
}

/** The organisation named on a record csv-parse could not read, read again with lax quoting, to label its error. */
function organisationOf(line: string, header: OrganisationCsvColumn[]): string | undefined {
  const index = header.indexOf('organisation');
  let fields: string[] | undefined;
  try {
    [fields] = parse(line, { relax_quotes: true, relax_column_count: true, to_line: 1 });
  } catch {
    fields = undefined;
  }
  // A quote left open: the cells before it are still plain.
  fields ??= line.split('"')[0]!.split(',').slice(0, -1);
  return fields[index]?.trim() || undefined;
}

function readHeader(fields: string[]): OrganisationCsvColumn[] | string {
  const known = new Set<string>(ORGANISATION_CSV_COLUMNS);
  const names = fields.map((f) => f.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const unknown = fields.flatMap((field, i) => (known.has(names[i]!) ? [] : [field.trim() === '' ? `an unnamed column (${i + 1})` : `"${field}"`]));
  if (unknown.length > 0) {
    const list = unknown.join(', ');
    return `unknown column${unknown.length > 1 ? 's' : ''} ${list}; the columns are ${ORGANISATION_CSV_COLUMNS.join(', ')}`;
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) return `column "${repeated[0]}" appears more than once in the header`;
  if (!names.includes('organisation')) return 'the header has no "organisation" column';
  return names as OrganisationCsvColumn[];
}

/** One good data row, ready to merge into its organisation. */
interface Row {
  line: number;
  name: string;
  /** Trimmed, lower-cased name: rows with the same key are one organisation. */
  key: string;
  /** The organisation-level values this row gives, as the schema normalised them. */
  fields: Partial<Record<OrgField, string>>;
  resources: ResourceInput[];
  contact?: ContactInput;
}

type RowResult = Row & { errors: { column: string; message: string }[] };

function readRow(line: number, cells: Map<OrganisationCsvColumn, string>): RowResult {
  const errors: { column: string; message: string }[] = [];
  const cell = (column: OrganisationCsvColumn): string | undefined => {
    const value = cells.get(column);
    if (value === undefined || !LOWER_CASED.has(column)) return value;
    return column === 'kind' ? value.toLowerCase().replace(/[\s_]+/g, '-') : value.toLowerCase();
  };
  const name = cell('organisation') ?? '';
  if (name === '') errors.push({ column: 'organisation', message: 'the organisation this row belongs to is required' });

  const resources: ResourceInput[] = [];
  const seen = new Set<string>();
  for (const [kind, column] of Object.entries(RESOURCE_COLUMNS) as [ResourceKind, OrganisationCsvColumn][]) {
    for (const item of splitList(kind, cell(column))) {
      const read = readResource(kind, item);
      if (typeof read === 'string') {
        errors.push({ column, message: read });
        continue;
      }
      for (const r of read.filter((r) => !seen.has(resourceKey(r)))) {
        seen.add(resourceKey(r));
        resources.push(r);
      }
    }
  }

  const contactCells = Object.entries(CONTACT_COLUMNS).filter(([, column]) => cells.has(column));
  const contact = contactCells.length > 0 ? Object.fromEntries(contactCells.map(([field, column]) => [field, cell(column)])) : undefined;
  const candidate = {
    name,
    ...Object.fromEntries(Object.entries(ORG_COLUMNS).flatMap(([field, column]) => (cells.has(column) ? [[field, cell(column)]] : []))),
    contacts: contact ? [contact] : [],
    resources,
  };
  const parsed = RowSchema.safeParse(candidate);
  const fields: Row['fields'] = {};
  if (parsed.success) {
    for (const [field, column] of Object.entries(ORG_COLUMNS) as [OrgField, OrganisationCsvColumn][]) {
      const value = parsed.data[field];
      if (cells.has(column) && value !== undefined) fields[field] = value;
    }
  } else {
    for (const issue of parsed.error.issues) {
      const column = columnOf(issue.path, resources);
      if (column === 'organisation' && name === '') continue;
      const value = column === WHOLE_RECORD ? undefined : cells.get(column);
      errors.push({ column, message: describeIssue(issue, column, value) });
    }
  }
  const contactOut = parsed.success ? parsed.data.contacts[0] : undefined;
  return { line, name, key: name.toLowerCase(), fields, resources: parsed.success ? parsed.data.resources : [], contact: contactOut, errors };
}

const resourceKey = (r: ResourceInput): string => `${r.kind} ${r.value}`;

/** Cells of a list column split on `;`, `,` or whitespace; `AS 64500` stays one item. */
function splitList(kind: ResourceKind, value: string | undefined): string[] {
  if (value === undefined) return [];
  const text = kind === 'asn' ? value.replace(/\bas\s+(?=\d)/gi, 'AS') : value;
  return text.split(/[;,\s]+/).filter((item) => item !== '');
}

/** A resource cell item in canonical form; an IP range may also be `first-last` (as in whois `inetnum`). */
function readResource(kind: ResourceKind, item: string): ResourceInput[] | string {
  if (kind === 'ip-range' && /^[^/-]+-[^/-]+$/.test(item)) {
    const [first = '', last = ''] = item.split('-');
    try {
      return rangeToCidrs(first, last).map((value) => ({ kind, value }));
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
  const read = normaliseResource({ kind, value: item });
  return read.ok ? [read.value] : read.error;
}

/** The CSV column a zod issue path points at. */
function columnOf(path: readonly PropertyKey[], resources: readonly ResourceInput[]): OrganisationCsvColumn | typeof WHOLE_RECORD {
  const [head, index, field] = path;
  if (head === 'name') return 'organisation';
  if (head === 'contacts' && typeof field === 'string' && field in CONTACT_COLUMNS) return CONTACT_COLUMNS[field as keyof ContactInput];
  if (head === 'contacts') return 'contact_email';
  if (head === 'resources' && typeof index === 'number') {
    const kind = resources[index]?.kind;
    return kind ? RESOURCE_COLUMNS[kind] : 'ip_ranges';
  }
  if (typeof head === 'string' && head in ORG_COLUMNS) return ORG_COLUMNS[head as OrgField];
  return WHOLE_RECORD;
}

function describeIssue(issue: z.core.$ZodIssue, column: string, value: string | undefined): string {
  if (issue.code === 'invalid_type' && value === undefined) {
    return column === 'contact_email' ? 'a contact needs an e-mail address' : 'required';
  }
  if (issue.code === 'too_big' && issue.origin === 'array') {
    const what = issue.path[0] === 'contacts' ? 'contacts' : 'resources';
    return `more than ${issue.maximum} ${what} for one organisation: this row is left out`;
  }
  const shown = value !== undefined && value.length <= 80 && column !== 'contact_pgp_key' && !issue.message.includes(value);
  return shown ? `${issue.message} (got "${value}")` : issue.message;
}

function groupByOrganisation(rows: Row[]): Row[][] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(row.key);
    if (group) group.push(row);
    else groups.set(row.key, [row]);
  }
  return [...groups.values()];
}

interface Merged {
  candidate: Record<string, unknown> & { contacts: ContactInput[]; resources: ResourceInput[] };
  fieldRows: Partial<Record<OrgField, Row>>;
  contactRows: Row[];
  resourceRows: Row[];
}

/**
 * Merge an organisation's good rows and validate the whole; rows that conflict or
 * break an organisation-wide limit are reported and left out, and the rest merged again.
 */
function buildOrganisation(rows: Row[], errors: RowErrors): OrganisationInput | undefined {
  let remaining = rows;
  while (remaining.length > 0) {
    const { merged, conflicting } = merge(remaining);
    if (conflicting.size > 0) {
      remaining = remaining.filter((r) => !conflicting.has(r));
      continue;
    }
    const parsed = OrganisationInputSchema.safeParse(merged.candidate);
    if (parsed.success) return parsed.data;
    const blamed = new Set<Row>();
    for (const issue of parsed.error.issues) {
      const culprits = rowsBehind(issue, merged);
      const column = columnOf(issue.path, merged.candidate.resources);
      if (culprits.length === 0) {
        // Nothing to leave out: no row gives what the organisation needs (its kind, say).
        const message =
          issue.path[0] === 'kind' && merged.candidate.kind === undefined
            ? `no row of "${remaining[0]!.name}" gives its kind (one of ${ORGANISATION_KINDS.join(', ')})`
            : describeIssue(issue, column, undefined);
        errors.add(remaining[0]!.line, remaining[0]!.name, { column, message });
        return undefined;
      }
      for (const row of culprits) {
        blamed.add(row);
        errors.add(row.line, row.name, { column, message: describeIssue(issue, column, undefined) });
      }
    }
    remaining = remaining.filter((r) => !blamed.has(r));
  }
  return undefined;

  function merge(group: Row[]): { merged: Merged; conflicting: Set<Row> } {
    const first = group[0]!;
    const merged: Merged = { candidate: { name: first.name, contacts: [], resources: [] }, fieldRows: {}, contactRows: [], resourceRows: [] };
    const conflicting = new Set<Row>();
    const seen = new Set<string>();
    for (const row of group) {
      const conflicts = (Object.keys(row.fields) as OrgField[]).filter((field) => {
        const earlier = merged.fieldRows[field];
        return earlier !== undefined && earlier.fields[field] !== row.fields[field];
      });
      if (conflicts.length > 0) {
        conflicting.add(row);
        for (const field of conflicts) {
          const earlier = merged.fieldRows[field]!;
          const message = `"${row.fields[field]}" conflicts with "${earlier.fields[field]}" given on row ${earlier.line} for the same organisation`;
          errors.add(row.line, row.name, { column: ORG_COLUMNS[field], message });
        }
        continue;
      }
      for (const field of Object.keys(row.fields) as OrgField[]) {
        if (merged.fieldRows[field] === undefined) {
          merged.fieldRows[field] = row;
          merged.candidate[field] = row.fields[field];
        }
      }
      for (const r of row.resources) {
        if (seen.has(resourceKey(r))) continue;
        seen.add(resourceKey(r));
        merged.candidate.resources.push(r);
        merged.resourceRows.push(row);
      }
      if (row.contact) {
        merged.candidate.contacts.push(row.contact);
        merged.contactRows.push(row);
      }
    }
    return { merged, conflicting };
  }
}

/** The rows responsible for an organisation-wide issue: the contacts or resources past a limit, or the row giving a field. */
function rowsBehind(issue: z.core.$ZodIssue, merged: Merged): Row[] {
  const [head, index] = issue.path;
  const byIndex = head === 'contacts' ? merged.contactRows : head === 'resources' ? merged.resourceRows : undefined;
  if (byIndex && typeof index === 'number') return byIndex[index] ? [byIndex[index]] : [];
  if (byIndex && issue.code === 'too_big') return [...new Set(byIndex.slice(Number(issue.maximum)))];
  const fieldRow = typeof head === 'string' && head in ORG_COLUMNS ? merged.fieldRows[head as OrgField] : undefined;
  return fieldRow ? [fieldRow] : [];
}

/** Errors per row, in line order, several errors of one row together. */
class RowErrors {
  readonly #byRow = new Map<number, CsvRowError>();

  add(row: number, organisation: string | undefined, ...errors: CsvRowError['errors']): void {
    let entry = this.#byRow.get(row);
    if (!entry) {
      entry = { row, ...(organisation ? { organisation } : {}), errors: [] };
      this.#byRow.set(row, entry);
    }
    for (const e of errors) if (!entry.errors.some((x) => x.column === e.column && x.message === e.message)) entry.errors.push(e);
  }

  list(): CsvRowError[] {
    return [...this.#byRow.values()].sort((a, b) => a.row - b.row);
  }
}
