import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Content-addressed evidence (files on disk, one row per distinct content) and report attachments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('evidence')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('sha1', 'text', (c) => c.notNull())
    .addColumn('md5', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('report_attachment')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('report_id', 'text', (c) => c.notNull().references('report.id'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('evidence.sha256'))
    .addColumn('filename', 'text')
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('report_attachment_report').on('report_attachment').columns(['report_id']).execute();
  await db.schema.createIndex('report_attachment_sha256').on('report_attachment').columns(['sha256']).execute();
}
