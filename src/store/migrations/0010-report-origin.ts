import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Where a report comes from, for the quarterly statistics (issue #7):
 * `report.reporter_country` is an ISO 3166-1 alpha-2 code set at intake (the
 * form's country, the directory organisation of the sender, or the sender
 * domain's ccTLD) — null when it cannot be told, never guessed.
 *
 * And the indexes the quarterly report needs to stay under 5 s at 1,000,000
 * reports and 200,000 incidents (bench/statistics.bench.ts), shaped for the
 * queries of store/repositories/statistics.repository.ts:
 * - `report_stats`, `incident_stats`: covering, in the order the reports
 *   (channel, origin) and incidents (category) are grouped, so neither table
 *   is read and nothing is sorted (SQLite skip-scans the leading columns);
 * - `timeline_first_*`: partial indexes holding only the entries that end a
 *   seed step (a coordination sent, a takedown down, a resolution), so "the
 *   first one per incident" reads a few entries in incident order. Their
 *   predicates are the repository's conditions word for word;
 * - `coordination_sent`: the incidents written to an outside party (coordinated cases);
 * - `takedown_reported`: the sites reported in a period;
 * - `incident_exercise`: the (few) exercise incidents whose reports are taken off.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('report').addColumn('reporter_country', 'text').execute();
  await db.schema.createIndex('report_stats').on('report').columns(['channel', 'reporter_country', 'received_at', 'reject_reason', 'incident_id']).execute();
  await db.schema.createIndex('incident_stats').on('incident').columns(['category', 'created_at', 'exercise', 'status', 'merged_into', 'reported_at']).execute();
  const json = (a: string, b: string) => (dialect === 'postgres' ? `(changes::json #>> '{${a},${b}}')` : `json_extract(changes, '$.${a}.${b}')`);
  await db.schema
    .createIndex('timeline_first_sent')
    .on('timeline_entry')
    .columns(['incident_id', 'at'])
    .where(sql.raw<boolean>(`action = 'coordination.sent'`))
    .execute();
  await db.schema
    .createIndex('timeline_first_down')
    .on('timeline_entry')
    .columns(['incident_id', 'at'])
    .where(sql.raw<boolean>(`action = 'takedown.state' and ${json('state', 'after')} = 'down'`))
    .execute();
  await db.schema
    .createIndex('timeline_first_resolved')
    .on('timeline_entry')
    .columns(['incident_id', 'at'])
    .where(sql.raw<boolean>(`action = 'incident.status' and ${json('status', 'after')} in ('resolved', 'closed')`))
    .execute();
  await db.schema
    .createIndex('coordination_sent')
    .on('coordination')
    .columns(['incident_id'])
    .where(sql.raw<boolean>(`last_sent_at is not null and purpose <> 'reporter-update'`))
    .execute();
  await db.schema.createIndex('takedown_reported').on('takedown').columns(['reported_at']).execute();
  await db.schema.createIndex('incident_exercise').on('incident').columns(['exercise']).execute();
}
