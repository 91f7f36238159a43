import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * What the seed asks on the day an incident happens — who decides and how far
 * we go — plus the marks statistics and evidence retention need:
 * - `decision_owner`, `decided_scope`: the person who decides and what was decided;
 * - `exercise`: a drill (visible everywhere, tagged in mail, never counted);
 * - `legal_hold`: retention never removes this incident's evidence;
 * - `brand_*`: the brand a phishing site imitates, its sector and whether it is domestic;
 * - `sla_due_at`: when the next SLA clock falls due (kept by the SLA service), so
 *   lists sort and filter by "due soon" with an index instead of reading every timeline.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('incident').addColumn('decision_owner', 'text').execute();
  await db.schema.alterTable('incident').addColumn('decided_scope', 'text').execute();
  await db.schema.alterTable('incident').addColumn('exercise', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('incident').addColumn('legal_hold', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('incident').addColumn('brand_name', 'text').execute();
  await db.schema.alterTable('incident').addColumn('brand_sector', 'text').execute();
  await db.schema.alterTable('incident').addColumn('brand_origin', 'text').execute();
  await db.schema.alterTable('incident').addColumn('sla_due_at', 'text').execute();
  await db.schema.createIndex('incident_sla_due').on('incident').columns(['sla_due_at']).execute();
}
