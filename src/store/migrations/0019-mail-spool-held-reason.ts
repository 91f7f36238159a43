import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Why a mail is held, as a code (`domain/spooled-mail.ts` `HeldReason`), so
 * the web app says it in the operator's language; `last_error` keeps the
 * server's own words beside it. Mails held before get the code their state
 * implies: tried 16 times, bytes missing, else refused as they are.
 *
 * One statement a step, and each step skipped when done: on SQLite a
 * migration is recorded only after it ran, so a process stopped in between
 * comes back here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const columns =
    dialect === 'postgres'
      ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'mail_spool'`
      : sql<{ name: string }>`select name from pragma_table_info('mail_spool')`;
  if (!(await columns.execute(db)).rows.some((c) => c.name === 'held_reason')) await db.schema.alterTable('mail_spool').addColumn('held_reason', 'text').execute();
  await sql`update mail_spool set held_reason = case
      when attempts >= 16 then 'attempts'
      when last_error like '%bytes are missing%' then 'bytes-missing'
      else 'refused' end
    where held = 1 and held_reason is null`.execute(db);
}
