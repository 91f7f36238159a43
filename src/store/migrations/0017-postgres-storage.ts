import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** The large values of every report: its raw original, body, metadata, search terms, and small evidence. */
const LARGE_COLUMNS = [
  ['report_raw', 'content'],
  ['report', 'body'],
  ['report', 'meta'],
  ['evidence', 'content'],
  ['search_doc', 'terms'],
] as const;

/**
 * PostgreSQL only (SQLite does not compress): how large values are stored.
 *
 * - A spooled mail's raw bytes are stored uncompressed: the row lives for
 *   moments (until its report is recorded, with its own compressed copy),
 *   and compressing it cost the database server a fifth of its CPU time at
 *   intake (`npm run bench smtp-intake`: 1.55 → 1.30 ms a mail).
 * - The large columns are compressed with LZ4 where the server was built
 *   with it (PostgreSQL 14 and later, as Debian's are), much cheaper to
 *   write than the default pglz (a further 1.30 → 1.04 ms a mail). Values
 *   stored before keep their compression; both are read alike.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`alter table mail_spool alter column raw set storage external`.execute(db);
  const { rows } = await sql<{ lz4: boolean }>`select coalesce(bool_or('lz4' = any(enumvals)), false) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(db);
  if (!rows[0]?.lz4) return;
  for (const [table, column] of LARGE_COLUMNS) await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set compression lz4`.execute(db);
}
