import type { ExpressionBuilder, Insertable, Kysely, Selectable } from 'kysely';
import type { CustodyAction, CustodyEvent, EvidenceItem, EvidenceKind } from '../../domain/evidence.js';
import { newId } from '../../domain/ids.js';
import { INLINE_MAX, type StoredFile } from '../evidence-files.js';
import type { DialectName } from '../database.js';
import type { DB, EvidenceItemTable } from '../schema.js';
import type { ReportAttachment } from './report.repository.js';

export type EvidenceItemRow = Selectable<EvidenceItemTable>;

/** A report attachment as a channel hands it over, with what it found about the bytes while it had them. */
export type AssessedAttachment = ReportAttachment & Pick<StoredFile, 'inline'> & {
  /** Why the file is dangerous; null when it is not; undefined when the channel did not look. */
  dangerousReason?: string | null;
};

export interface NewCustodyEvent {
  itemId: string;
  at: string;
  actor: string;
  action: CustodyAction;
  detail?: Record<string, unknown>;
}

/** An item whose incident (its own, or its report's) was closed before a date: what retention looks at. */
export interface RetentionCandidate {
  item: EvidenceItem;
  /** The incident the item belongs to (its own, or its report's). */
  incidentId: string;
}

const CHUNK = 500;
/** `evidence` rows a statement: each may carry up to 64 KiB of bytes. */
const CONTENT_CHUNK = 100;

/**
 * The `evidence` rows of stored content, once per SHA-256, with the bytes of
 * small content (`StoredFile.inline`). Content seen before keeps its row; a
 * row without bytes takes them (retention may have dropped them). Rows go in
 * SHA-256 order, so that two groups written at once on PostgreSQL wait for
 * each other's new rows in one order.
 *
 * On PostgreSQL a known row whose bytes this brings is first locked FOR KEY
 * SHARE (as the foreign keys of its new items would lock it, only sooner;
 * writers of reports do not wait for each other), so that retention's
 * `dropContent`, which locks the row FOR UPDATE before it looks for items,
 * either waits for this transaction and sees its items, or goes first and
 * this puts the bytes back. SQLite runs one writer at a time.
 */
export async function upsertContents(db: Kysely<DB>, dialect: DialectName, files: readonly StoredFile[], at: string): Promise<void> {
  for (const f of files)
    if (f.size <= INLINE_MAX && !f.inline) throw new Error(`evidence ${f.sha256} (${f.size} bytes) came without its bytes: content this small is kept in the database — pass what EvidenceFiles.put returned`);
  const bySha = new Map(files.map((f) => [f.sha256, f]));
  const rows: Insertable<DB['evidence']>[] = [...bySha.values()]
    .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1))
    .map((f) => ({ sha256: f.sha256, sha1: f.sha1, md5: f.md5, size: f.size, first_seen_at: at, content: f.inline ?? null }));
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += CONTENT_CHUNK) {
    const done = await db
      .insertInto('evidence')
      .values(rows.slice(i, i + CONTENT_CHUNK))
      .onConflict((oc) => oc.column('sha256').doNothing())
      .returning('sha256')
      .execute();
    for (const r of done) inserted.add(r.sha256);
  }
  const known = rows.filter((row) => row.content && !inserted.has(row.sha256));
  if (dialect === 'postgres')
    for (let i = 0; i < known.length; i += CHUNK)
      await db.selectFrom('evidence').select('sha256').where('sha256', 'in', known.slice(i, i + CHUNK).map((r) => r.sha256)).orderBy('sha256').forKeyShare().execute();
  // Known content: its bytes are written only where the row has none (an UPDATE locks only the rows it changes).
  for (const row of known) await db.updateTable('evidence').set({ content: row.content }).where('sha256', '=', row.sha256).where('content', 'is', null).execute();
}

/**
 * Evidence items and their chain of custody (migration 0009). Custody events
 * are only ever appended: there is no update or delete here, and the database
 * refuses both.
 */
export function createEvidenceRepository(db: Kysely<DB>, dialect: DialectName) {
  const items = () =>
    db
      .selectFrom('evidence_item')
      .leftJoin('evidence', (j) => j.onRef('evidence.sha256', '=', 'evidence_item.sha256').on('evidence_item.kind', '!=', 'raw-original'))
      .selectAll('evidence_item')
      .select(['evidence.sha1', 'evidence.md5']);

  /** The items whose bytes are this item's, locked for the transaction (PostgreSQL), in a fixed order. */
  async function lockSameBytes(item: Pick<EvidenceItem, 'id' | 'kind' | 'sha256'>) {
    const q = db.selectFrom('evidence_item').select(['id', 'integrity_failed_at']).where(sameBytes(item)).orderBy('id');
    return (dialect === 'postgres' ? q.forUpdate() : q).execute();
  }
  /** The mark on exactly these (locked) items: one inserted since the lock is not touched without its custody entry. */
  async function setFailedAt(ids: string[], at: string | null): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) await db.updateTable('evidence_item').set({ integrity_failed_at: at }).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
  }
  async function byIds(ids: string[]): Promise<EvidenceItem[]> {
    const out: EvidenceItem[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await items().where('evidence_item.id', 'in', ids.slice(i, i + CHUNK)).orderBy('evidence_item.id').execute()).map(toItem));
    return out;
  }

  return {
    /** The `evidence` row of stored content (once per content; with its bytes when they are kept in the database). */
    async ensureFile(f: StoredFile, at: string): Promise<void> {
      await upsertContents(db, dialect, [f], at);
    },

    /** The bytes of content kept in the database; null when they are a file (or gone), undefined when the content is unknown. */
    async content(sha256: string): Promise<Buffer | null | undefined> {
      const row = await db.selectFrom('evidence').select('content').where('sha256', '=', sha256).executeTakeFirst();
      return row && row.content;
    },

    /** Whether the bytes are kept in the database (without reading them). */
    async hasContent(sha256: string): Promise<boolean> {
      const row = await db.selectFrom('evidence').select('sha256').where('sha256', '=', sha256).where('content', 'is not', null).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Drop the bytes kept in the database once nothing holds them (retention); true when some were dropped.
     * Call in a transaction: on PostgreSQL the row is locked first (FOR UPDATE, which waits for a report
     * being recorded with the same content, see upsertContents), and "nothing holds them" is checked
     * after, by a statement that sees what that report committed.
     */
    async dropContent(sha256: string): Promise<boolean> {
      if (dialect === 'postgres') await db.selectFrom('evidence').select('sha256').where('sha256', '=', sha256).forUpdate().execute();
      const r = await db
        .updateTable('evidence')
        .set({ content: null })
        .where('sha256', '=', sha256)
        .where('content', 'is not', null)
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('evidence_item').select('id').where('evidence_item.sha256', '=', sha256).where('evidence_item.kind', '!=', 'raw-original').where('evidence_item.removed_at', 'is', null))),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('report_attachment')
                .select('id')
                .where('report_attachment.sha256', '=', sha256)
                .where('report_attachment.id', 'not in', eb.selectFrom('evidence_item').select('id').where('evidence_item.sha256', '=', sha256)),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async insertItems(rows: EvidenceItemRow[]): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('evidence_item').values(rows.slice(i, i + CHUNK)).execute();
    },

    async appendCustody(events: NewCustodyEvent[]): Promise<CustodyEvent[]> {
      const rows = events.map((e) => ({ id: newId(), evidence_item_id: e.itemId, at: e.at, actor: e.actor, action: e.action, detail: JSON.stringify(e.detail ?? {}) }));
      for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('custody_event').values(rows.slice(i, i + CHUNK)).execute();
      return rows.map(toEvent);
    },

    async find(id: string): Promise<EvidenceItem | undefined> {
      const row = await items().where('evidence_item.id', '=', id).executeTakeFirst();
      return row && toItem(row);
    },

    /** Items of these incidents and of their reports, in the order they were collected. */
    async forIncidents(incidentIds: string[]): Promise<EvidenceItem[]> {
      if (incidentIds.length === 0) return [];
      const rows = await items()
        .where((eb) =>
          eb.or([
            eb('evidence_item.incident_id', 'in', incidentIds),
            eb('evidence_item.report_id', 'in', eb.selectFrom('report').select('report.id').where('report.incident_id', 'in', incidentIds)),
          ]),
        )
        .orderBy('evidence_item.collected_at')
        .orderBy('evidence_item.id')
        .execute();
      return rows.map(toItem);
    },

    async forReport(reportId: string): Promise<EvidenceItem[]> {
      const rows = await items().where('evidence_item.report_id', '=', reportId).orderBy('evidence_item.collected_at').orderBy('evidence_item.id').execute();
      return rows.map(toItem);
    },

    /** The liveness capture of this content on this incident, if one was kept already. */
    async findCapture(incidentId: string, sha256: string): Promise<EvidenceItem | undefined> {
      const row = await items()
        .where('evidence_item.incident_id', '=', incidentId)
        .where('evidence_item.sha256', '=', sha256)
        .where('evidence_item.kind', '=', 'liveness-capture')
        .executeTakeFirst();
      return row && toItem(row);
    },

    /** Oldest first. */
    async custody(itemIds: string[]): Promise<CustodyEvent[]> {
      const out: CustodyEvent[] = [];
      for (let i = 0; i < itemIds.length; i += CHUNK) {
        const rows = await db
          .selectFrom('custody_event')
          .selectAll()
          .where('evidence_item_id', 'in', itemIds.slice(i, i + CHUNK))
          .orderBy('seq')
          .execute();
        out.push(...rows.map(toEvent));
      }
      return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },

    async setAssessment(id: string, dangerousReason: string | null): Promise<void> {
      await db
        .updateTable('evidence_item')
        .set({ is_dangerous: dangerousReason === null ? 0 : 1, dangerous_reason: dangerousReason })
        .where('id', '=', id)
        .execute();
    },

    /**
     * Marks an item as failing its integrity check — every item of the same
     * file, since they share its bytes — with the time of this failed read.
     * `first` are the items that were not failing before. The items are
     * locked first (PostgreSQL; SQLite has one writer), so a failure and a
     * restore, or two failures, at once are judged one after the other.
     */
    async markIntegrityFailed(item: Pick<EvidenceItem, 'id' | 'kind' | 'sha256'>, at: string): Promise<{ affected: string[]; first: EvidenceItem[] }> {
      const rows = await lockSameBytes(item);
      const affected = rows.map((r) => r.id);
      await setFailedAt(affected, at);
      return { affected, first: await byIds(rows.filter((r) => r.integrity_failed_at === null).map((r) => r.id)) };
    },

    /** The bytes match again (restored from a backup): the items of the same file that were marked failing, now cleared. */
    async clearIntegrityFailed(item: Pick<EvidenceItem, 'id' | 'kind' | 'sha256'>): Promise<EvidenceItem[]> {
      const failing = (await lockSameBytes(item)).filter((r) => r.integrity_failed_at !== null).map((r) => r.id);
      await setFailedAt(failing, null);
      return byIds(failing);
    },

    /** Whether any item of these bytes is marked failing (a plain read: a good read asks before it takes the locks to clear). */
    async isIntegrityFailing(item: Pick<EvidenceItem, 'id' | 'kind' | 'sha256'>): Promise<boolean> {
      return (await db.selectFrom('evidence_item').select('id').where(sameBytes(item)).where('integrity_failed_at', 'is not', null).limit(1).executeTakeFirst()) !== undefined;
    },

    async markRemoved(id: string, at: string, by: string, reason: string): Promise<void> {
      await db.updateTable('evidence_item').set({ removed_at: at, removed_by: by, removed_reason: reason }).where('id', '=', id).where('removed_at', 'is', null).execute();
    },

    /**
     * What still holds this evidence file: items not removed, and report
     * attachments that have no item yet (they get one at their first read).
     */
    async liveFileItems(sha256: string): Promise<string[]> {
      const rows = await db
        .selectFrom('evidence_item')
        .select('id')
        .where('sha256', '=', sha256)
        .where('kind', '!=', 'raw-original')
        .where('removed_at', 'is', null)
        .execute();
      const loose = await db
        .selectFrom('report_attachment')
        .select('id')
        .where('sha256', '=', sha256)
        .where('id', 'not in', db.selectFrom('evidence_item').select('id').where('sha256', '=', sha256))
        .execute();
      return [...rows, ...loose].map((r) => r.id);
    },

    /** Evidence files every item of which was removed (a file whose deletion failed is tried again). */
    async removedFiles(): Promise<string[]> {
      const rows = await db
        .selectFrom('evidence_item')
        .select('sha256')
        .where('kind', '!=', 'raw-original')
        .groupBy('sha256')
        .having((eb) => eb(eb.fn.count('removed_at'), '=', eb.fn.countAll()))
        .execute();
      return rows.map((r) => r.sha256);
    },

    /** Items not removed whose incident (their own, or their report's) was closed before `closedBefore`. */
    async retentionCandidates(closedBefore: string): Promise<RetentionCandidate[]> {
      const closed = db.selectFrom('incident').select('incident.id').where('incident.status', '=', 'closed').where('incident.closed_at', '<', closedBefore);
      const rows = await items()
        .leftJoin('report', 'report.id', 'evidence_item.report_id')
        .select(['report.incident_id as report_incident_id'])
        .where('evidence_item.removed_at', 'is', null)
        .where((eb) => eb.or([eb('evidence_item.incident_id', 'in', closed), eb.and([eb('evidence_item.incident_id', 'is', null), eb('report.incident_id', 'in', closed)])]))
        .orderBy('evidence_item.collected_at')
        .orderBy('evidence_item.id')
        .execute();
      return rows.map((r) => ({ item: toItem(r), incidentId: (r.incident_id ?? r.report_incident_id)! }));
    },

    /** Incidents merged into this one: their items show on it. */
    async mergedInto(incidentId: string): Promise<string[]> {
      const rows = await db.selectFrom('incident').select('id').where('merged_into', '=', incidentId).execute();
      return rows.map((r) => r.id);
    },

    /** The raw original's bytes, when still kept. */
    async raw(reportId: string): Promise<Buffer | undefined> {
      const row = await db.selectFrom('report_raw').select('content').where('report_id', '=', reportId).executeTakeFirst();
      return row?.content;
    },

    async deleteRaw(reportId: string): Promise<void> {
      await db.deleteFrom('report_raw').where('report_id', '=', reportId).execute();
    },

    /** A report's attachment row (for an attachment stored without an item: made at its first read). */
    async attachment(attachmentId: string): Promise<(ReportAttachment & { reportId: string }) | undefined> {
      const r = await db
        .selectFrom('report_attachment')
        .innerJoin('evidence', 'evidence.sha256', 'report_attachment.sha256')
        .select([
          'report_attachment.id',
          'report_attachment.report_id',
          'report_attachment.sha256',
          'evidence.sha1',
          'evidence.md5',
          'report_attachment.size',
          'report_attachment.filename',
          'report_attachment.mime_type',
          'report_attachment.kind',
          'report_attachment.note',
        ])
        .where('report_attachment.id', '=', attachmentId)
        .executeTakeFirst();
      return (
        r && {
          id: r.id,
          reportId: r.report_id,
          sha256: r.sha256,
          sha1: r.sha1,
          md5: r.md5,
          size: Number(r.size),
          filename: r.filename,
          mimeType: r.mime_type,
          kind: r.kind as ReportAttachment['kind'],
          note: r.note,
        }
      );
    },
  };
}
export type EvidenceRepository = ReturnType<typeof createEvidenceRepository>;

function toItem(r: EvidenceItemRow & { sha1: string | null; md5: string | null }): EvidenceItem {
  return {
    id: r.id,
    incidentId: r.incident_id,
    reportId: r.report_id,
    sha256: r.sha256,
    sha1: r.sha1 ?? null,
    md5: r.md5 ?? null,
    filename: r.filename,
    mimeType: r.mime_type,
    size: Number(r.size),
    kind: r.kind as EvidenceKind,
    collectedBy: r.collected_by,
    collectedAt: r.collected_at,
    collectedFrom: r.collected_from,
    dangerous: r.is_dangerous === null ? null : Number(r.is_dangerous) === 1,
    dangerousReason: r.dangerous_reason,
    note: r.note,
    integrityFailedAt: r.integrity_failed_at,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removedReason: r.removed_reason,
  };
}

function toEvent(r: { id: string; evidence_item_id: string; at: string; actor: string; action: string; detail: string }): CustodyEvent {
  return { id: r.id, itemId: r.evidence_item_id, at: r.at, actor: r.actor, action: r.action as CustodyAction, detail: JSON.parse(r.detail) as Record<string, unknown> };
}

/** The items whose bytes are this item's: a raw original is its report's alone; a file is every non-raw item of its SHA-256. */
function sameBytes(item: Pick<EvidenceItem, 'id' | 'kind' | 'sha256'>) {
  return (eb: ExpressionBuilder<DB, 'evidence_item'>) =>
    item.kind === 'raw-original' ? eb('id', '=', item.id) : eb.and([eb('sha256', '=', item.sha256), eb('kind', '!=', 'raw-original')]);
}
