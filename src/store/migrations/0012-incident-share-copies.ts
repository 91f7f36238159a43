import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * A partner sees only the incidents shared with their organisation (and those
 * on their access list), so their list is driven from `incident_share`
 * (listShared in store/repositories/incident.repository.ts) instead of
 * testing every incident against the set of all shared ids, which PostgreSQL
 * built in full for each page and each count: +10 ms a list at 10,000 shares
 * (bench/policy.bench.ts, issue #3).
 *
 * For that a share keeps copies of its incident's `created_at` (the order of
 * the list; it never changes), `tlp` (what a partner may see) and
 * `merged_into` (lists leave merged incidents out): an organisation's shares
 * are walked newest first on one index, and a list's capped count is read
 * from that index alone. The copies are written with the share
 * (setShares) and kept equal to the incident's by a trigger on `incident`, so
 * no writer can leave them behind.
 *
 * The copies of `created_at` and `tlp` are NOT NULL on both databases:
 * PostgreSQL adds the columns, fills them and sets the constraint; SQLite
 * cannot add a constraint to a column, so the (small) table is rebuilt.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  if (dialect === 'postgres') {
    await db.schema.alterTable('incident_share').addColumn('created_at', 'text').addColumn('tlp', 'text').addColumn('merged_into', 'text').execute();
    await sql`update incident_share set created_at = i.created_at, tlp = i.tlp, merged_into = i.merged_into
      from incident i where i.id = incident_share.incident_id`.execute(db);
    await db.schema.alterTable('incident_share').alterColumn('created_at', (c) => c.setNotNull()).execute();
    await db.schema.alterTable('incident_share').alterColumn('tlp', (c) => c.setNotNull()).execute();
    await sql`
      create function renkei_incident_share_copy() returns trigger language plpgsql as $$
      begin
        update incident_share set created_at = new.created_at, tlp = new.tlp, merged_into = new.merged_into where incident_id = new.id;
        return null;
      end $$`.execute(db);
    await sql`
      create trigger incident_share_copy after update of created_at, tlp, merged_into on incident
      for each row
      when (new.created_at is distinct from old.created_at or new.tlp is distinct from old.tlp or new.merged_into is distinct from old.merged_into)
      execute function renkei_incident_share_copy()`.execute(db);
  } else {
    await db.schema
      .createTable('incident_share_0012')
      .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
      .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('tlp', 'text', (c) => c.notNull())
      .addColumn('merged_into', 'text')
      .addPrimaryKeyConstraint('incident_share_pk', ['incident_id', 'organisation_id'])
      .execute();
    await sql`insert into incident_share_0012 (incident_id, organisation_id, created_at, tlp, merged_into)
      select s.incident_id, s.organisation_id, i.created_at, i.tlp, i.merged_into from incident_share s join incident i on i.id = s.incident_id`.execute(db);
    await db.schema.dropTable('incident_share').execute();
    await db.schema.alterTable('incident_share_0012').renameTo('incident_share').execute();
    await db.schema.createIndex('incident_share_org').on('incident_share').columns(['organisation_id', 'incident_id']).execute();
    await sql`
      create trigger incident_share_copy after update of created_at, tlp, merged_into on incident
      when new.created_at is not old.created_at or new.tlp is not old.tlp or new.merged_into is not old.merged_into
      begin
        update incident_share set created_at = new.created_at, tlp = new.tlp, merged_into = new.merged_into where incident_id = new.id;
      end`.execute(db);
  }
  // The order of a partner's list, and every column its visibility and default filter read: the count needs no other table.
  await db.schema
    .createIndex('incident_share_org_created')
    .on('incident_share')
    .columns(['organisation_id', 'created_at', 'incident_id', 'tlp', 'merged_into'])
    .execute();
}
