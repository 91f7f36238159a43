import { sql, type Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { DialectName } from '../database.js';

/**
 * Evidence items and their chain of custody.
 *
 * - `evidence_item`: one piece of evidence as it entered Renkei — a report's
 *   attachment or raw original, a handler's upload, a page kept by a liveness
 *   check, an export. Its bytes are the content-addressed file `sha256` in the
 *   evidence store (one file may back several items), except a `raw-original`,
 *   whose bytes are the report's `report_raw` row (so `sha256` has no foreign
 *   key: raw originals have no `evidence` row). `is_dangerous` is null until
 *   the content was assessed (items made here, from before this migration,
 *   are assessed at their first read). Retention tombstones an item
 *   (`removed_*`); the row stays.
 * - `custody_event`: every collection, view, download, export, hand-over,
 *   integrity failure and removal of an item. Append-only: the database refuses
 *   updates and deletes.
 *
 * Attachments and raw originals of reports stored before this migration get
 * their items (and a `collected` event dated when the report was recorded)
 * here, so the per-incident list is complete from the start; an attachment's
 * item keeps the attachment's id.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before the typed schema exists
export async function up(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
  await db.schema
    .createTable('evidence_item')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.references('incident.id'))
    .addColumn('report_id', 'text', (c) => c.references('report.id'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    // report-attachment | raw-original | upload | liveness-capture | export
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('collected_by', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .addColumn('collected_from', 'text', (c) => c.notNull())
    .addColumn('is_dangerous', 'integer')
    .addColumn('dangerous_reason', 'text')
    .addColumn('note', 'text')
    .addColumn('integrity_failed_at', 'text')
    .addColumn('removed_at', 'text')
    .addColumn('removed_by', 'text')
    .addColumn('removed_reason', 'text')
    .execute();
  await db.schema.createIndex('evidence_item_incident').on('evidence_item').columns(['incident_id']).execute();
  await db.schema.createIndex('evidence_item_report').on('evidence_item').columns(['report_id']).execute();
  await db.schema.createIndex('evidence_item_sha256').on('evidence_item').columns(['sha256']).execute();

  await db.schema
    .createTable('custody_event')
    .addColumn('seq', sql.raw(serial), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('evidence_item_id', 'text', (c) => c.notNull().references('evidence_item.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    // collected | viewed | downloaded | exported | handed-over | integrity-failed | removed
    .addColumn('action', 'text', (c) => c.notNull())
    // JSON: what the action needs said (recipient of a hand-over, how a download was wrapped, the hash found …).
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('custody_event_item').on('custody_event').columns(['evidence_item_id', 'seq']).execute();

  if (dialect === 'postgres') {
    await sql`
      create function renkei_custody_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'custody_event is append-only: the chain of custody is never edited';
      end $$`.execute(db);
    await sql`
      create trigger custody_event_append_only before update or delete on custody_event
      for each row execute function renkei_custody_append_only()`.execute(db);
  } else {
    await sql`
      create trigger custody_event_no_update before update on custody_event
      begin select raise(abort, 'custody_event is append-only: the chain of custody is never edited'); end`.execute(db);
    await sql`
      create trigger custody_event_no_delete before delete on custody_event
      begin select raise(abort, 'custody_event is append-only: the chain of custody is never edited'); end`.execute(db);
  }

  await backfill(db);
}

interface ReportFacts {
  report_id: string;
  channel: string;
  sender: string | null;
  created_by: string;
  created_at: string;
  meta: string;
}

/** Where a report's files came from, in words (kept here as it was when this migration was written). */
function origin(r: ReportFacts): string {
  let meta: { envelope?: { remoteAddress?: string | null }; form?: { ip?: string | null } } = {};
  try {
    meta = JSON.parse(r.meta) as typeof meta;
  } catch {
    // an unreadable meta only loses the address
  }
  const from = r.sender ? ` from ${r.sender}` : '';
  switch (r.channel) {
    case 'email':
      return `e-mail${from}${meta.envelope?.remoteAddress ? ` (connection from ${meta.envelope.remoteAddress})` : ''}`;
    case 'web-form':
      return `public report form${from}${meta.form?.ip ? ` (client ${meta.form.ip})` : ''}`;
    default:
      return `${r.channel} report${from}, recorded by ${r.created_by}`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
async function backfill(db: Kysely<any>): Promise<void> {
  const CHUNK = 500;
  for (let after = ''; ; ) {
    const rows = (await db
      .selectFrom('report_attachment as a')
      .innerJoin('report as r', 'r.id', 'a.report_id')
      .select(['a.id', 'a.sha256', 'a.filename', 'a.mime_type', 'a.size', 'r.id as report_id', 'r.channel', 'r.sender', 'r.created_by', 'r.created_at', 'r.meta'])
      .where('a.id', '>', after)
      .orderBy('a.id')
      .limit(CHUNK)
      .execute()) as (ReportFacts & { id: string; sha256: string; filename: string | null; mime_type: string; size: number })[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    await insert(
      db,
      rows.map((r) => ({ id: r.id, report: r, sha256: r.sha256, filename: r.filename, mime: r.mime_type, size: Number(r.size), kind: 'report-attachment' })),
    );
  }
  for (let after = ''; ; ) {
    const rows = (await db
      .selectFrom('report as r')
      .select(['r.id as report_id', 'r.channel', 'r.sender', 'r.created_by', 'r.created_at', 'r.meta', 'r.raw_sha256', 'r.raw_size'])
      .where('r.raw_sha256', 'is not', null)
      .where('r.id', 'in', db.selectFrom('report_raw').select('report_id'))
      .where('r.id', '>', after)
      .orderBy('r.id')
      .limit(CHUNK)
      .execute()) as (ReportFacts & { raw_sha256: string; raw_size: number | null })[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.report_id;
    await insert(
      db,
      rows.map((r) => ({
        id: newId(),
        report: r,
        sha256: r.raw_sha256,
        filename: `report-${r.report_id}.${r.channel === 'email' ? 'eml' : 'bin'}`,
        mime: r.channel === 'email' ? 'message/rfc822' : 'application/octet-stream',
        size: Number(r.raw_size ?? 0),
        kind: 'raw-original',
      })),
    );
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
async function insert(db: Kysely<any>, items: { id: string; report: ReportFacts; sha256: string; filename: string | null; mime: string; size: number; kind: string }[]): Promise<void> {
  await db
    .insertInto('evidence_item')
    .values(
      items.map((i) => ({
        id: i.id,
        incident_id: null,
        report_id: i.report.report_id,
        sha256: i.sha256,
        filename: i.filename,
        mime_type: i.mime,
        size: i.size,
        kind: i.kind,
        collected_by: i.report.created_by,
        collected_at: i.report.created_at,
        collected_from: origin(i.report),
        is_dangerous: null,
        dangerous_reason: null,
        note: null,
        integrity_failed_at: null,
        removed_at: null,
        removed_by: null,
        removed_reason: null,
      })),
    )
    .execute();
  await db
    .insertInto('custody_event')
    .values(
      items.map((i) => ({
        id: newId(),
        evidence_item_id: i.id,
        at: i.report.created_at,
        actor: i.report.created_by,
        action: 'collected',
        detail: JSON.stringify({ reportId: i.report.report_id, channel: i.report.channel, recordedBy: '0009-evidence-custody' }),
      })),
    )
    .execute();
}
