import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface StoredRegistryRange {
  source: string;
  family: 4 | 6;
  first: number | bigint;
  last: number | bigint;
  netname: string | null;
  orgName: string | null;
  country: string | null;
  abuseEmail: string | null;
  registry: string | null;
}

export interface RegistrySource {
  source: string;
  format: string;
  file: string;
  ranges: number;
  importedAt: string;
  importedBy: string;
}

const hex = (family: 4 | 6, v: number | bigint) => v.toString(16).padStart(family === 4 ? 8 : 32, '0');
const fromHex = (family: number, h: string): number | bigint => (family === 4 ? parseInt(h, 16) : BigInt(`0x${h}`));

/** Imported registry ranges, replaced a whole source at a time. */
export function createRegistryRepository(db: Kysely<DB>) {
  return {
    /** Replace every range of `source` (call in a transaction): an import is all or nothing. */
    async replaceSource(meta: RegistrySource, ranges: Omit<StoredRegistryRange, 'source'>[]): Promise<void> {
      await db.deleteFrom('registry_range').where('source', '=', meta.source).execute();
      await db.deleteFrom('registry_source').where('source', '=', meta.source).execute();
      await db
        .insertInto('registry_source')
        .values({ source: meta.source, format: meta.format, file: meta.file, ranges: meta.ranges, imported_at: meta.importedAt, imported_by: meta.importedBy })
        .execute();
      // 9 values a row: 3,000 rows stay under SQLite's 32,766 bound parameters.
      for (let i = 0; i < ranges.length; i += 3000) {
        await db
          .insertInto('registry_range')
          .values(
            ranges.slice(i, i + 3000).map((r) => ({
              source: meta.source,
              family: r.family,
              first_hex: hex(r.family, r.first),
              last_hex: hex(r.family, r.last),
              netname: r.netname,
              org_name: r.orgName,
              country: r.country,
              abuse_email: r.abuseEmail,
              registry: r.registry,
            })),
          )
          .execute();
      }
      await db.updateTable('registry_version').set({ version: sql`version + 1` }).where('id', '=', 1).execute();
    },

    async version(): Promise<number> {
      const row = await db.selectFrom('registry_version').select('version').where('id', '=', 1).executeTakeFirst();
      return Number(row?.version ?? 0);
    },

    async sources(): Promise<RegistrySource[]> {
      const rows = await db.selectFrom('registry_source').selectAll().orderBy('source').execute();
      return rows.map((r) => ({ source: r.source, format: r.format, file: r.file, ranges: Number(r.ranges), importedAt: r.imported_at, importedBy: r.imported_by }));
    },

    /** Every range, in pages (a million rows are not read in one go). */
    async *all(pageSize = 50_000): AsyncGenerator<StoredRegistryRange[]> {
      let after = 0;
      for (;;) {
        const rows = await db.selectFrom('registry_range').selectAll().where('id', '>', after).orderBy('id').limit(pageSize).execute();
        if (rows.length === 0) return;
        after = Number(rows[rows.length - 1]!.id);
        yield rows.map((r) => ({
          source: r.source,
          family: r.family === 4 ? 4 : 6,
          first: fromHex(r.family, r.first_hex),
          last: fromHex(r.family, r.last_hex),
          netname: r.netname,
          orgName: r.org_name,
          country: r.country,
          abuseEmail: r.abuse_email,
          registry: r.registry,
        }));
      }
    },
  };
}
export type RegistryRepository = ReturnType<typeof createRegistryRepository>;
