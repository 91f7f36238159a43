import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * A report that answers another before triage — a reporter's reply to the
 * receipt we sent, matched by its References or the reference in its
 * subject — names the report it answers (`reply_to`), so it goes where that
 * report goes when a handler triages it. Indexed for "the replies to these".
 *
 * One statement a step, and each step skipped when done: on SQLite a
 * migration is recorded only after it ran, so a process stopped in between
 * comes back here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const columns =
    dialect === 'postgres'
      ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'report'`
      : sql<{ name: string }>`select name from pragma_table_info('report')`;
  if (!(await columns.execute(db)).rows.some((c) => c.name === 'reply_to')) await db.schema.alterTable('report').addColumn('reply_to', 'text').execute();
  await db.schema.createIndex('report_reply_to').ifNotExists().on('report').column('reply_to').where(sql.ref('reply_to'), 'is not', null).execute();
}
