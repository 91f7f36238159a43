import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Indexes for the incident list's two other everyday orders, so that a page
 * is read from an index instead of sorting every incident — on SQLite too,
 * which keeps no planner statistics (Renkei never runs ANALYZE there):
 *
 * - "recently changed" (`sort=updatedAt`);
 * - "SLA due soon" (`sort=slaDueAt`), which puts incidents without a due time
 *   last on both databases by ordering on `sla_due_at is null` first: the
 *   index holds that expression, so the order is the index's.
 *
 * Sorting by number uses its unique index; by title stays a sort (rare, and
 * 20 ms at 100,000 incidents).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema.createIndex('incident_updated').on('incident').columns(['updated_at', 'id']).execute();
  await sql`create index incident_sla_order on incident ((sla_due_at is null), sla_due_at, id)`.execute(db);
}
