import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Coordination with outside parties, the outbound mail queue, message
 * templates, password-reset links, and the durable job queue that sends
 * mail and runs reminders (a table on both databases, so a job is enqueued
 * in the same transaction as the change that causes it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';

  await db.schema
    .createTable('job')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('job_due').on('job').columns(['state', 'run_at']).execute();

  await db.schema
    .createTable('coordination')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incident.id'))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'text', (c) => c.references('organisation.id'))
    .addColumn('contact_email', 'text', (c) => c.notNull())
    .addColumn('contact_name', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('tlp', 'text', (c) => c.notNull())
    .addColumn('defang', 'integer', (c) => c.notNull())
    .addColumn('encrypt', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('reminder_after_hours', 'integer')
    .addColumn('follow_ups_sent', 'integer', (c) => c.notNull())
    .addColumn('last_sent_at', 'text')
    .addColumn('last_reply_at', 'text')
    .addColumn('next_reminder_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('coordination_sequence', ['incident_id', 'sequence'])
    .execute();
  await db.schema.createIndex('coordination_state').on('coordination').columns(['state', 'next_reminder_at']).execute();

  await db.schema
    .createTable('outbound_mail')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('coordination_id', 'text', (c) => c.references('coordination.id'))
    .addColumn('incident_id', 'text', (c) => c.references('incident.id'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('envelope_from', 'text', (c) => c.notNull())
    .addColumn('envelope_to', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('raw', blob)
    .addColumn('raw_size', 'integer', (c) => c.notNull())
    .addColumn('is_signed', 'integer', (c) => c.notNull())
    .addColumn('is_encrypted', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('relay_response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('outbound_mail_coordination').on('outbound_mail').columns(['coordination_id']).execute();

  await db.schema
    .createTable('coordination_reply')
    .addColumn('coordination_id', 'text', (c) => c.notNull().references('coordination.id'))
    .addColumn('report_id', 'text', (c) => c.notNull().references('report.id'))
    .addColumn('matched_by', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('coordination_reply_pk', ['coordination_id', 'report_id'])
    .execute();

  await db.schema
    .createTable('message_template')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_template_pk', ['kind', 'language', 'version'])
    .execute();

  await db.schema
    .createTable('password_reset')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('password_reset_account').on('password_reset').columns(['account_id']).execute();
}
