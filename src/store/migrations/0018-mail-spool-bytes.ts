import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * A spooled mail's bytes in a table of their own (`mail_spool_raw`, one row
 * per `mail_spool` row, removed with it). Claiming an attempt updates the
 * spool row, and SQLite writes an updated row whole: with the bytes in it,
 * every claim wrote each mail's bytes to the log once more (a claim of 64
 * mails about a megabyte). Now a claim writes the small row only.
 *
 * All in one transaction on both databases (Kysely runs SQLite migrations
 * without one): a mail spooled meanwhile by a process of the previous
 * version waits for the move, and a migration cut short leaves nothing half
 * done. Run again after it moved the bytes (SQLite records a migration
 * only after it ran), it finds nothing to move.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const move = async (tx: Kysely<any> | Transaction<any>) => {
    // PostgreSQL: no other process spools until the move is committed.
    if (dialect === 'postgres') await sql`lock table mail_spool in share row exclusive mode`.execute(tx);
    // Moved already (on SQLite the migration is recorded after this commits: a process that stopped in between comes back here).
    const columns =
      dialect === 'postgres'
        ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'mail_spool'`
        : sql<{ name: string }>`select name from pragma_table_info('mail_spool')`;
    if (!(await columns.execute(tx)).rows.some((c) => c.name === 'raw')) return;
    await tx.schema
      .createTable('mail_spool_raw')
      .addColumn('id', 'text', (c) => c.primaryKey().references('mail_spool.id').onDelete('cascade'))
      .addColumn('raw', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .execute();
    // Stored as it came, as the column it replaces was (migration 0017): the row lives for moments.
    if (dialect === 'postgres') await sql`alter table mail_spool_raw alter column raw set storage external`.execute(tx);
    await sql`insert into mail_spool_raw (id, raw) select id, raw from mail_spool`.execute(tx);
    await tx.schema.alterTable('mail_spool').dropColumn('raw').execute();
  };
  if (db.isTransaction) await move(db);
  else await db.transaction().execute(move);
}
