import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Imported registry data (RIR bulk exports, delegated statistics) for abuse-contact resolution. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('registry_source')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('ranges', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addColumn('imported_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('registry_range')
    .addColumn('id', serial, (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull().references('registry_source.source'))
    .addColumn('family', 'integer', (c) => c.notNull())
    // Fixed-width lower-case hex (8 digits for IPv4, 32 for IPv6): sorts as the address does.
    .addColumn('first_hex', 'text', (c) => c.notNull())
    .addColumn('last_hex', 'text', (c) => c.notNull())
    .addColumn('netname', 'text')
    .addColumn('org_name', 'text')
    .addColumn('country', 'text')
    .addColumn('abuse_email', 'text')
    .addColumn('registry', 'text')
    .execute();
  await db.schema.createIndex('registry_range_source').on('registry_range').columns(['source']).execute();
  await db.schema.createTable('registry_version').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('version', 'integer', (c) => c.notNull()).execute();
  await db.insertInto('registry_version').values({ id: 1, version: 0 }).execute();
}
