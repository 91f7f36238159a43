import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * "Which incidents were merged into this one?" is asked on every incident
 * page (the detail and the timeline both follow merges). Without an index it
 * read every incident: about 20 ms a call at 100,000 incidents
 * (bench/ui-api.bench.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema.createIndex('incident_merged_into').on('incident').columns(['merged_into']).execute();
}
