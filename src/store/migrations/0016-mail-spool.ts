import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The mail spool: an inbound mail is one row here, committed (and on disk)
 * before the SMTP listener answers `250`; reading it, filing its evidence
 * and recording its report happen afterwards, in large groups, and remove
 * the row in the transaction that records the report. Each attempt is
 * claimed first (`attempts` + 1, not due again before `next_attempt_at`), so
 * a mail whose reading kills the process waits longer each time and is held
 * in the end; a mail that can never be a report is held (`held` = 1) for an
 * operator at once. Never dropped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('mail_spool')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('route', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('mail_spool_due').on('mail_spool').columns(['held', 'next_attempt_at', 'id']).execute();
}
