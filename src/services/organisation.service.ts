import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound, type FieldIssue } from '../domain/errors.js';
import { OrganisationInputSchema, type OrganisationInput } from '../domain/organisation.schema.js';
import { normaliseResource } from '../domain/resource.js';
import { parseOrganisationsCsv, writeOrganisationsCsv, type CsvRowError } from '../formats/organisations-csv.js';
import type { Organisation, OrganisationListFilter } from '../store/repositories/organisation.repository.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { audit } from './audit.service.js';
import { parseInput } from './validate.js';

/** Validate and canonicalise an organisation: every resource in canonical form, each bad one named. */
export function validateOrganisation(input: unknown): OrganisationInput {
  const data = parseInput(OrganisationInputSchema, input);
  const issues: FieldIssue[] = [];
  const resources = data.resources.map((r, i) => {
    const n = normaliseResource(r);
    if (n.ok) return n.value;
    issues.push({ path: ['resources', i, 'value'], message: n.error });
    return r;
  });
  if (issues.length) throw new AppError('VALIDATION', 'the organisation is not valid', { issues });
  return { ...data, resources };
}

async function assertNameFree(tx: Store, name: string, exceptId?: string): Promise<void> {
  const existing = await tx.organisations.findByName(name);
  if (existing && existing.id !== exceptId)
    throw new AppError('CONFLICT', `an organisation named "${existing.name}" already exists`, { id: existing.id });
}

export async function createOrganisation(deps: ServiceDeps, actor: Actor, input: unknown): Promise<Organisation> {
  assertCan(actor, 'directory.write');
  const data = validateOrganisation(input);
  const org = await deps.store.transaction(async (tx) => {
    await assertNameFree(tx, data.name);
    const id = await tx.organisations.insert(data, deps.clock().toISOString());
    await audit(tx, actor, 'organisation.created', { type: 'organisation', id }, { name: data.name });
    return (await tx.organisations.findById(id))!;
  });
  deps.directoryIndex.invalidate();
  return org;
}

/** Replace an organisation's record (fields, contacts, resources) with `input`. */
export async function replaceOrganisation(deps: ServiceDeps, actor: Actor, id: string, input: unknown): Promise<Organisation> {
  assertCan(actor, 'directory.write');
  const data = validateOrganisation(input);
  const org = await deps.store.transaction(async (tx) => {
    if (!(await tx.organisations.findById(id))) throw notFound('organisation', id);
    await assertNameFree(tx, data.name, id);
    await tx.organisations.replace(id, data, deps.clock().toISOString());
    await audit(tx, actor, 'organisation.replaced', { type: 'organisation', id }, { name: data.name });
    return (await tx.organisations.findById(id))!;
  });
  deps.directoryIndex.invalidate();
  return org;
}

export async function getOrganisation(deps: ServiceDeps, actor: Actor, id: string): Promise<Organisation> {
  assertCan(actor, 'directory.read');
  const org = await deps.store.organisations.findById(id);
  if (!org) throw notFound('organisation', id);
  return org;
}

export async function listOrganisations(
  deps: ServiceDeps,
  actor: Actor,
  filter: OrganisationListFilter,
  page: Page,
): Promise<PageResult<Organisation>> {
  assertCan(actor, 'directory.read');
  return deps.store.organisations.list(filter, page);
}

export interface ImportReport {
  rowsRead: number;
  created: number;
  updated: number;
  /** One entry per bad row: the good rows were still imported. */
  errors: CsvRowError[];
}

/**
 * Import the directory from CSV (formats/organisations-csv.ts). An
 * organisation whose name exists is replaced by the file's version, so
 * importing an export is idempotent. Bad rows are reported; the good ones land.
 */
export async function importOrganisationsCsv(deps: ServiceDeps, actor: Actor, csv: string | Buffer): Promise<ImportReport> {
  assertCan(actor, 'directory.write');
  const parsed = parseOrganisationsCsv(csv);
  const errors = [...parsed.errors];
  let created = 0;
  let updated = 0;
  const valid: OrganisationInput[] = [];
  for (const org of parsed.organisations) {
    try {
      valid.push(validateOrganisation(org));
    } catch (err) {
      const issues = err instanceof AppError ? (err.details?.issues ?? []) : [];
      errors.push({
        row: 0,
        organisation: org.name,
        errors: issues.length ? issues.map((i) => ({ column: i.path.join('.'), message: i.message })) : [{ column: '', message: String(err) }],
      });
    }
  }
  await deps.store.transaction(async (tx) => {
    const at = deps.clock().toISOString();
    for (const org of valid) {
      const existing = await tx.organisations.findByName(org.name);
      if (existing) {
        await tx.organisations.replace(existing.id, org, at);
        updated++;
      } else {
        await tx.organisations.insert(org, at);
        created++;
      }
    }
    await audit(tx, actor, 'organisation.imported', null, { rows: parsed.rowsRead, created, updated, badRows: errors.length });
  });
  deps.directoryIndex.invalidate();
  return { rowsRead: parsed.rowsRead, created, updated, errors };
}

export async function exportOrganisationsCsv(deps: ServiceDeps, actor: Actor): Promise<string> {
  assertCan(actor, 'directory.read');
  const orgs = await deps.store.organisations.all();
  await deps.store.transaction((tx) => audit(tx, actor, 'organisation.exported', null, { organisations: orgs.length }));
  return writeOrganisationsCsv(
    orgs.map((o) => ({
      name: o.name,
      kind: o.kind,
      country: o.country ?? undefined,
      trustLevel: o.trustLevel,
      notes: o.notes ?? undefined,
      contacts: o.contacts.map((c) => ({
        name: c.name ?? undefined,
        email: c.email,
        phone: c.phone ?? undefined,
        role: c.role,
        language: c.language,
        timezone: c.timezone,
        officeHours: c.officeHours ?? undefined,
        pgpFingerprint: c.pgpFingerprint ?? undefined,
        pgpKey: c.pgpKey ?? undefined,
      })),
      resources: o.resources.map((r) => ({ kind: r.kind, value: r.value })),
    })),
  );
}
