import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type {
  ContactInput,
  ContactRole,
  Language,
  OrganisationInput,
  OrganisationKind,
  ResourceKind,
  TrustLevel,
} from '../../domain/organisation.schema.js';
import { newId } from '../../domain/ids.js';
import type { Page, PageResult } from '../../domain/access.js';
import type { ContactTable, DB, OrganisationTable } from '../schema.js';

export interface Contact extends Omit<ContactInput, 'name' | 'phone' | 'officeHours' | 'pgpFingerprint' | 'pgpKey'> {
  id: string;
  name: string | null;
  phone: string | null;
  officeHours: string | null;
  pgpFingerprint: string | null;
  pgpKey: string | null;
}

export interface Resource {
  id: string;
  kind: ResourceKind;
  value: string;
}

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  country: string | null;
  trustLevel: TrustLevel;
  notes: string | null;
  contacts: Contact[];
  resources: Resource[];
  createdAt: string;
  updatedAt: string;
}

export interface OrganisationListFilter {
  kind?: OrganisationKind[];
  country?: string;
  /** Substring of the name, case-insensitive. */
  q?: string;
}

/** Organisation names are unique regardless of case and surrounding space. */
export const nameKey = (name: string): string => name.normalize('NFKC').trim().toLowerCase();

const fields = (input: OrganisationInput) => ({
  name: input.name,
  name_key: nameKey(input.name),
  kind: input.kind,
  country: input.country ?? null,
  trust_level: input.trustLevel,
  notes: input.notes ?? null,
});

export function createOrganisationRepository(db: Kysely<DB>) {
  const hydrate = async (rows: Selectable<OrganisationTable>[]): Promise<Organisation[]> => {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [contacts, resources] = await Promise.all([
      db.selectFrom('contact').selectAll().where('organisation_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
      db.selectFrom('org_resource').selectAll().where('organisation_id', 'in', ids).orderBy('kind').orderBy('value').execute(),
    ]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind as OrganisationKind,
      country: r.country,
      trustLevel: r.trust_level as TrustLevel,
      notes: r.notes,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      contacts: contacts.filter((c) => c.organisation_id === r.id).map(toContact),
      resources: resources
        .filter((x) => x.organisation_id === r.id)
        .map((x) => ({ id: x.id, kind: x.kind as ResourceKind, value: x.value })),
    }));
  };

  return {
    async insert(input: OrganisationInput, at: string): Promise<string> {
      const id = newId();
      await db
        .insertInto('organisation')
        .values({ id, ...fields(input), created_at: at, updated_at: at })
        .execute();
      await this.replaceChildren(id, input, at);
      return id;
    },

    /** Replace the organisation's fields, contacts and resources with `input`. */
    async replace(id: string, input: OrganisationInput, at: string): Promise<void> {
      await db
        .updateTable('organisation')
        .set({ ...fields(input), updated_at: at })
        .where('id', '=', id)
        .execute();
      await db.deleteFrom('contact').where('organisation_id', '=', id).execute();
      await db.deleteFrom('org_resource').where('organisation_id', '=', id).execute();
      await this.replaceChildren(id, input, at);
    },

    async replaceChildren(id: string, input: OrganisationInput, at: string): Promise<void> {
      if (input.contacts.length)
        await db
          .insertInto('contact')
          .values(
            input.contacts.map((c) => ({
              id: newId(),
              organisation_id: id,
              name: c.name ?? null,
              email: c.email,
              phone: c.phone ?? null,
              role: c.role,
              language: c.language,
              timezone: c.timezone,
              office_hours: c.officeHours ?? null,
              pgp_fingerprint: c.pgpFingerprint ?? null,
              pgp_key: c.pgpKey ?? null,
              created_at: at,
            })),
          )
          .execute();
      const unique = [...new Map(input.resources.map((r) => [`${r.kind} ${r.value}`, r])).values()];
      for (let i = 0; i < unique.length; i += 500)
        await db
          .insertInto('org_resource')
          .values(
            unique.slice(i, i + 500).map((r) => ({ id: newId(), organisation_id: id, kind: r.kind, value: r.value, created_at: at })),
          )
          .execute();
      await this.bumpVersion();
    },

    async findById(id: string): Promise<Organisation | undefined> {
      const row = await db.selectFrom('organisation').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? (await hydrate([row]))[0] : undefined;
    },

    async findByName(name: string): Promise<Organisation | undefined> {
      const row = await db.selectFrom('organisation').selectAll().where('name_key', '=', nameKey(name)).executeTakeFirst();
      return row ? (await hydrate([row]))[0] : undefined;
    },

    async findManyById(ids: string[]): Promise<Organisation[]> {
      if (ids.length === 0) return [];
      return hydrate(await db.selectFrom('organisation').selectAll().where('id', 'in', ids).execute());
    },

    async list(filter: OrganisationListFilter, page: Page): Promise<PageResult<Organisation>> {
      let q = db.selectFrom('organisation');
      if (filter.kind?.length) q = q.where('kind', 'in', filter.kind);
      if (filter.country) q = q.where('country', '=', filter.country);
      if (filter.q) {
        const pattern = `%${nameKey(filter.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where(sql<SqlBool>`name_key like ${pattern} escape '\\'`);
      }
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('name_key').limit(page.limit).offset(page.offset).execute(),
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: await hydrate(rows), total: Number(count.n), totalIsExact: true, ...page };
    },

    async all(): Promise<Organisation[]> {
      return hydrate(await db.selectFrom('organisation').selectAll().orderBy('name_key').execute());
    },

    /** Every IP range with its owner, to build the in-memory longest-prefix index. */
    async ipRanges(): Promise<{ organisationId: string; value: string }[]> {
      const rows = await db.selectFrom('org_resource').select(['organisation_id', 'value']).where('kind', '=', 'ip-range').execute();
      return rows.map((r) => ({ organisationId: r.organisation_id, value: r.value }));
    },

    /** Resources of a kind whose value is one of `values` (domains: the name and its parents; AS numbers). */
    async resourcesMatching(kind: ResourceKind, values: string[]): Promise<{ organisationId: string; value: string }[]> {
      if (values.length === 0) return [];
      const rows = await db
        .selectFrom('org_resource')
        .select(['organisation_id', 'value'])
        .where('kind', '=', kind)
        .where('value', 'in', values)
        .execute();
      return rows.map((r) => ({ organisationId: r.organisation_id, value: r.value }));
    },

    /** Contacts' public keys, to verify signed reports against the directory. */
    async contactKeys(): Promise<{ organisationId: string; organisationName: string; email: string; pgpKey: string }[]> {
      const rows = await db
        .selectFrom('contact')
        .innerJoin('organisation', 'organisation.id', 'contact.organisation_id')
        .select(['contact.organisation_id', 'organisation.name', 'contact.email', 'contact.pgp_key'])
        .where('contact.pgp_key', 'is not', null)
        .execute();
      return rows.map((r) => ({ organisationId: r.organisation_id, organisationName: r.name, email: r.email, pgpKey: r.pgp_key! }));
    },

    async version(): Promise<number> {
      const row = await db.selectFrom('directory_version').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
      return Number(row.version);
    },

    async bumpVersion(): Promise<void> {
      await db
        .updateTable('directory_version')
        .set({ version: sql`version + 1` })
        .where('id', '=', 1)
        .execute();
    },
  };
}
export type OrganisationRepository = ReturnType<typeof createOrganisationRepository>;

function toContact(c: Selectable<ContactTable>): Contact {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    phone: c.phone,
    role: c.role as ContactRole,
    language: c.language as Language,
    timezone: c.timezone,
    officeHours: c.office_hours,
    pgpFingerprint: c.pgp_fingerprint,
    pgpKey: c.pgp_key,
  };
}
