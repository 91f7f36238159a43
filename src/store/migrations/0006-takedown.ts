import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Takedown tracking of reported URLs and the liveness checks that verify them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('takedown')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text')
    .addColumn('acknowledged_at', 'text')
    .addColumn('down_since', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('relapsed_at', 'text')
    .addColumn('last_verdict', 'text')
    .addColumn('last_check_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('takedown_url', ['incident_id', 'url'])
    .execute();
  await db.schema
    .createTable('liveness_check')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('takedown_id', 'text', (c) => c.notNull().references('takedown.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    // JSON: one outcome per profile (status, redirect chain, title, body hash, certificate, error).
    .addColumn('outcomes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('liveness_check_takedown').on('liveness_check').columns(['takedown_id', 'at']).execute();
}
