import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Small evidence in the database: `evidence.content` holds the bytes of
 * content up to 64 KiB (`INLINE_MAX` in evidence-files.ts) — a forwarded
 * phishing mail, a filled-in template, a feedback report — written in the
 * transaction that records the report or item holding it. Larger content
 * stays a file under the data directory (`content` null); so does all
 * evidence stored before this migration.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('evidence')
    .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob')
    .execute();
}
