import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * A spooled mail's bytes in a table of their own (`mail_spool_raw`, one row
 * per `mail_spool` row, removed with it). Claiming an attempt updates the
 * spool row, and SQLite writes an updated row whole: with the bytes in it,
 * every claim wrote each mail's bytes to the log once more (a claim of 64
 * mails about a megabyte). Now a claim writes the small row only.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('mail_spool_raw')
    .addColumn('id', 'text', (c) => c.primaryKey().references('mail_spool.id').onDelete('cascade'))
    .addColumn('raw', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
  // Stored as it came, as the column it replaces was (migration 0017): the row lives for moments.
  if (dialect === 'postgres') await sql`alter table mail_spool_raw alter column raw set storage external`.execute(db);
  await sql`insert into mail_spool_raw (id, raw) select id, raw from mail_spool`.execute(db);
  await db.schema.alterTable('mail_spool').dropColumn('raw').execute();
}
