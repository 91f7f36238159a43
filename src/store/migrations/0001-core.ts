import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The incident core: reports, incidents, the timeline, observables, the
 * directory and the search index. Same tables on both databases; the
 * differences (blob type, full-text index, append-only triggers) are below.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';

  await db.schema
    .createTable('incident_counter')
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_counter_pk', ['prefix', 'year'])
    .execute();

  await db.schema
    .createTable('organisation')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('trust_level', 'text', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('contact')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('office_hours', 'text')
    .addColumn('pgp_fingerprint', 'text')
    .addColumn('pgp_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contact_org').on('contact').columns(['organisation_id']).execute();
  await db.schema.createIndex('contact_email').on('contact').columns(['email']).execute();

  await db.schema
    .createTable('org_resource')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('org_resource_unique', ['organisation_id', 'kind', 'value'])
    .execute();
  await db.schema.createIndex('org_resource_value').on('org_resource').columns(['kind', 'value']).execute();

  // Bumped on every directory change, so each process knows when its in-memory range index is stale.
  await db.schema
    .createTable('directory_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('directory_version').values({ id: 1, version: 0 }).execute();

  await db.schema
    .createTable('incident')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('tlp', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('constituency', 'text')
    .addColumn('owner', 'text')
    .addColumn('occurred_at', 'text')
    .addColumn('detected_at', 'text')
    .addColumn('reported_at', 'text')
    .addColumn('vector', 'text')
    .addColumn('impact', 'text')
    .addColumn('affected_assets', 'text')
    .addColumn('threat_actor', 'text')
    .addColumn('motive', 'text')
    .addColumn('merged_into', 'text', (c) => c.references('incident.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_status_created').on('incident').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('incident_created').on('incident').columns(['created_at']).execute();
  await db.schema.createIndex('incident_category').on('incident').columns(['category', 'created_at']).execute();
  await db.schema.createIndex('incident_owner').on('incident').columns(['owner', 'status']).execute();

  await db.schema
    .createTable('incident_organisation')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
    .addPrimaryKeyConstraint('incident_organisation_pk', ['incident_id', 'organisation_id'])
    .execute();

  await db.schema
    .createTable('report')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('source_ref', 'text', (c) => c.notNull())
    .addColumn('sender', 'text')
    .addColumn('sender_name', 'text')
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reject_reason', 'text')
    .addColumn('reject_note', 'text')
    .addColumn('duplicate_of', 'text')
    .addColumn('incident_id', 'text', (c) => c.references('incident.id'))
    .addColumn('tlp', 'text', (c) => c.notNull())
    .addColumn('meta', 'text', (c) => c.notNull())
    .addColumn('raw_sha256', 'text')
    .addColumn('raw_size', 'integer')
    .addUniqueConstraint('report_channel_source', ['channel', 'source_ref'])
    .execute();
  await db.schema.createIndex('report_status_received').on('report').columns(['status', 'received_at']).execute();
  await db.schema.createIndex('report_received').on('report').columns(['received_at']).execute();
  await db.schema.createIndex('report_incident').on('report').columns(['incident_id']).execute();

  await db.schema
    .createTable('report_raw')
    .addColumn('report_id', 'text', (c) => c.primaryKey().references('report.id'))
    .addColumn('content', sql.raw(blob), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('report_candidate')
    .addColumn('report_id', 'text', (c) => c.notNull().references('report.id'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_candidate_pk', ['report_id', 'incident_id'])
    .execute();

  await db.schema
    .createTable('timeline_entry')
    .addColumn('seq', sql.raw(serial), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('incident_id', 'text')
    .addColumn('report_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('timeline_incident').on('timeline_entry').columns(['incident_id', 'seq']).execute();
  await db.schema.createIndex('timeline_report').on('timeline_entry').columns(['report_id', 'seq']).execute();

  await db.schema
    .createTable('observable')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('is_private', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('observable_type_value', ['type', 'value'])
    .execute();

  await db.schema
    .createTable('report_observable')
    .addColumn('report_id', 'text', (c) => c.notNull().references('report.id'))
    .addColumn('observable_id', 'text', (c) => c.notNull().references('observable.id'))
    .addPrimaryKeyConstraint('report_observable_pk', ['report_id', 'observable_id'])
    .execute();
  await db.schema.createIndex('report_observable_obs').on('report_observable').columns(['observable_id', 'report_id']).execute();

  await db.schema
    .createTable('incident_observable')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('observable_id', 'text', (c) => c.notNull().references('observable.id'))
    .addColumn('is_manual', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_observable_pk', ['incident_id', 'observable_id'])
    .execute();
  await db.schema
    .createIndex('incident_observable_obs')
    .on('incident_observable')
    .columns(['observable_id', 'incident_id'])
    .execute();

  await db.schema
    .createTable('search_doc')
    .addColumn('id', sql.raw(serial), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .execute();
  // Several rows per document when it is indexed in segments (see search.repository.ts).
  await db.schema.createIndex('search_doc_ref').on('search_doc').columns(['kind', 'ref_id']).execute();

  if (dialect === 'postgres') {
    // Terms are written as a tsvector literal with positions, so no parser or locale touches them.
    await sql`alter table search_doc add column terms tsvector not null default ''::tsvector`.execute(db);
    await sql`create index search_doc_terms on search_doc using gin (terms)`.execute(db);
    await sql`
      create function renkei_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'timeline_entry is append-only: write a correction as a new entry';
      end $$`.execute(db);
    await sql`
      create trigger timeline_entry_append_only before update or delete on timeline_entry
      for each row execute function renkei_append_only()`.execute(db);
  } else {
    // One space-separated term per token; unicode61 keeps each of our terms whole.
    await sql`create virtual table search_fts using fts5(terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`
      create trigger timeline_entry_no_update before update on timeline_entry
      begin select raise(abort, 'timeline_entry is append-only: write a correction as a new entry'); end`.execute(db);
    await sql`
      create trigger timeline_entry_no_delete before delete on timeline_entry
      begin select raise(abort, 'timeline_entry is append-only: write a correction as a new entry'); end`.execute(db);
  }
}
