import type { Kysely, Selectable } from 'kysely';
import type { AccessScope, Page, PageResult } from '../../domain/access.js';
import { senderDomains, type RejectReason, type Report, type ReportChannel, type ReportStatus } from '../../domain/report.js';
import type { Tlp } from '../../domain/tlp.js';
import { incidentVisible, reportVisible } from '../access-filter.js';
import type { DB, ReportTable } from '../schema.js';
import type { DialectName } from '../database.js';
import type { QueryTerm } from '../../domain/search-terms.js';
import { textMatch } from './search.repository.js';
import { cappedCount } from '../paging.js';
import type { IncidentListFilter } from './incident.repository.js';
import { upsertContents, type AssessedAttachment } from './evidence.repository.js';

export interface ReportListFilter {
  status?: ReportStatus[];
  channel?: ReportChannel[];
  incidentId?: string;
  receivedFrom?: string;
  receivedTo?: string;
  /** Reports that contain this observable. */
  observableId?: string;
  /** Conditions on the report's incident (reports without one are left out when any is given). */
  incident?: IncidentListFilter;
  /** Full-text phrases (domain/search-terms.ts), all required. */
  text?: QueryTerm[][];
}

export interface ReportAttachment {
  id: string;
  sha256: string;
  sha1: string;
  md5: string;
  size: number;
  filename: string | null;
  mimeType: string;
  kind: 'attachment' | 'inline' | 'forwarded-message';
  note: string | null;
}

export type NewReport = Omit<Report, 'status' | 'rejectReason' | 'rejectNote' | 'duplicateOf' | 'incidentId' | 'replyTo'>;

/** Rows per multi-row insert (SQLite binds at most 32,766 parameters a statement). */
const INSERT_CHUNK = 500;

const reportRow = (report: NewReport) => ({
  id: report.id,
  channel: report.channel,
  source_ref: report.sourceRef,
  sender: report.sender,
  sender_name: report.senderName,
  subject: report.subject,
  body: report.body,
  language: report.language,
  received_at: report.receivedAt,
  created_at: report.createdAt,
  created_by: report.createdBy,
  status: 'new' as const,
  reject_reason: null,
  reject_note: null,
  duplicate_of: null,
  incident_id: null,
  reply_to: null,
  tlp: report.tlp,
  meta: JSON.stringify(report.meta),
  raw_sha256: report.rawSha256,
  raw_size: report.rawSize,
  reporter_country: report.reporterCountry,
});

export function createReportRepository(db: Kysely<DB>, dialect: DialectName) {
  return {
    /**
     * Insert each report unless its `(channel, sourceRef)` exists (stored
     * before, or earlier in the same list); returns, in input order, the
     * stored report and whether this entry created it. A few statements for
     * the whole list (group commit), not a few per report.
     */
    async insertManyIfAbsent(entries: { report: NewReport; raw: Buffer | undefined }[]): Promise<{ report: Report; isNew: boolean }[]> {
      const key = (channel: string, sourceRef: string) => `${channel}\u0000${sourceRef}`;
      const inserted = new Map<string, Selectable<ReportTable>>();
      for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
        const rows = await db
          .insertInto('report')
          .values(entries.slice(i, i + INSERT_CHUNK).map(({ report }) => reportRow(report)))
          .onConflict((oc) => oc.columns(['channel', 'source_ref']).doNothing())
          .returningAll()
          .execute();
        for (const r of rows) inserted.set(key(r.channel, r.source_ref), r);
      }
      const missing = entries.filter(({ report }) => !inserted.has(key(report.channel, report.sourceRef)));
      const existing = new Map<string, Selectable<ReportTable>>();
      for (const channel of new Set(missing.map((m) => m.report.channel))) {
        const refs = [...new Set(missing.filter((m) => m.report.channel === channel).map((m) => m.report.sourceRef))];
        for (let i = 0; i < refs.length; i += INSERT_CHUNK) {
          const rows = await db.selectFrom('report').selectAll().where('channel', '=', channel).where('source_ref', 'in', refs.slice(i, i + INSERT_CHUNK)).execute();
          for (const r of rows) existing.set(key(r.channel, r.source_ref), r);
        }
      }
      const results = entries.map(({ report, raw }) => {
        const k = key(report.channel, report.sourceRef);
        const row = inserted.get(k);
        // The entry whose row was inserted is the new one; a repeat of its source inside the list is not.
        if (row && row.id === report.id) return { report: toReport(row), isNew: true, raw };
        const stored = row ?? existing.get(k);
        if (!stored) throw new Error(`report ${k} was neither inserted nor found`);
        return { report: toReport(stored), isNew: false, raw };
      });
      const raws = results.filter((r) => r.isNew && r.raw).map((r) => ({ report_id: r.report.id, content: r.raw! }));
      // Raw originals are large: a few per statement.
      for (let i = 0; i < raws.length; i += 16) await db.insertInto('report_raw').values(raws.slice(i, i + 16)).execute();
      return results.map(({ report, isNew }) => ({ report, isNew }));
    },

    /**
     * The directory's country for each sender address: the organisation of a
     * contact with that address (the lowest organisation id when several),
     * else of an organisation owning the longest of its domains. Two queries
     * for all the senders of an intake group; addresses with neither are absent.
     */
    async directoryCountriesOf(addresses: string[]): Promise<Map<string, string>> {
      const found = new Map<string, string>();
      const unique = [...new Set(addresses)];
      const emails = [...new Set(unique.flatMap((a) => [a, a.toLowerCase()]))];
      const contacts: { email: string; orgId: string; country: string | null }[] = [];
      for (let i = 0; i < emails.length; i += INSERT_CHUNK) {
        contacts.push(
          ...(await db
            .selectFrom('contact')
            .innerJoin('organisation', 'organisation.id', 'contact.organisation_id')
            .select(['contact.email', 'organisation.id as orgId', 'organisation.country'])
            .where('contact.email', 'in', emails.slice(i, i + INSERT_CHUNK))
            .where('organisation.country', 'is not', null)
            .execute()),
        );
      }
      contacts.sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : 0));
      for (const address of unique) {
        const hit = contacts.find((c) => c.email === address || c.email === address.toLowerCase());
        if (hit?.country) found.set(address, hit.country);
      }
      const rest = unique.filter((a) => !found.has(a));
      const domains = [...new Set(rest.flatMap((a) => senderDomains(a)))];
      const owned: { value: string; country: string | null }[] = [];
      for (let i = 0; i < domains.length; i += INSERT_CHUNK) {
        owned.push(
          ...(await db
            .selectFrom('org_resource')
            .innerJoin('organisation', 'organisation.id', 'org_resource.organisation_id')
            .select(['org_resource.value', 'organisation.country'])
            .where('org_resource.kind', '=', 'domain')
            .where('org_resource.value', 'in', domains.slice(i, i + INSERT_CHUNK))
            .where('organisation.country', 'is not', null)
            .execute()),
        );
      }
      // The longest (most specific) domain wins; between owners of the same domain, the first country by name.
      owned.sort((a, b) => b.value.length - a.value.length || (a.country ?? '').localeCompare(b.country ?? ''));
      for (const address of rest) {
        const mine = new Set(senderDomains(address));
        const hit = owned.find((o) => mine.has(o.value));
        if (hit?.country) found.set(address, hit.country);
      }
      return found;
    },

    async findById(scope: AccessScope, id: string): Promise<Report | undefined> {
      const row = await db
        .selectFrom('report')
        .selectAll()
        .where('id', '=', id)
        .where(reportVisible(scope))
        .executeTakeFirst();
      return row && toReport(row);
    },

    /** With `lock` inside a transaction on PostgreSQL, the rows stay locked until commit, taken in id order. */
    async findManyById(scope: AccessScope, ids: string[], lock = false): Promise<Report[]> {
      const out: Report[] = [];
      const sorted = [...new Set(ids)].sort();
      for (let i = 0; i < sorted.length; i += 500) {
        const chunk = sorted.slice(i, i + 500);
        // Lock first, then read with the visibility rule in a new statement: under READ COMMITTED the re-check
        // of a locked row would otherwise judge its new state against the old snapshot of the incident table.
        if (lock && dialect === 'postgres') await db.selectFrom('report').select('id').where('id', 'in', chunk).orderBy('id').forUpdate().execute();
        out.push(...(await db.selectFrom('report').selectAll().where('id', 'in', chunk).where(reportVisible(scope)).orderBy('id').execute()).map(toReport));
      }
      return out;
    },

    async raw(scope: AccessScope, id: string): Promise<Buffer | undefined> {
      const row = await db
        .selectFrom('report_raw')
        .innerJoin('report', 'report.id', 'report_raw.report_id')
        .select('report_raw.content')
        .where('report.id', '=', id)
        .where(reportVisible(scope))
        .executeTakeFirst();
      return row?.content;
    },

    async list(scope: AccessScope, filter: ReportListFilter, page: Page): Promise<PageResult<Report>> {
      let q = db.selectFrom('report').where(reportVisible(scope));
      if (filter.status?.length) q = q.where('status', 'in', filter.status);
      if (filter.channel?.length) q = q.where('channel', 'in', filter.channel);
      if (filter.incidentId) q = q.where('incident_id', '=', filter.incidentId);
      if (filter.receivedFrom) q = q.where('received_at', '>=', filter.receivedFrom);
      if (filter.receivedTo) q = q.where('received_at', '<', filter.receivedTo);
      if (filter.text?.length) q = q.where(textMatch(dialect, 'report', 'report.id', filter.text));
      if (filter.observableId) {
        const observableId = filter.observableId;
        q = q.where('id', 'in', (eb) => eb.selectFrom('report_observable').select('report_id').where('observable_id', '=', observableId));
      }
      const inc = filter.incident;
      if (inc && Object.values(inc).some((v) => v !== undefined && (!Array.isArray(v) || v.length))) {
        q = q.where('incident_id', 'in', (eb) => {
          let s = eb.selectFrom('incident').select('incident.id').where(incidentVisible(scope));
          if (inc.status?.length) s = s.where('incident.status', 'in', inc.status);
          if (inc.category?.length) s = s.where('incident.category', 'in', inc.category);
          if (inc.tlp?.length) s = s.where('incident.tlp', 'in', inc.tlp);
          if (inc.owner) s = s.where('incident.owner', '=', inc.owner);
          return s;
        });
      }
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('received_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
        cappedCount(db, q),
      ]);
      return { items: rows.map(toReport), ...count, ...page };
    },

    /** Record evidence (once per content) and the report's attachments, in the caller's transaction. */
    /** Attachments of reports (content already in the evidence store): one `evidence` row per distinct content, one `report_attachment` each. */
    async addAttachments(reportId: string, attachments: AssessedAttachment[], at: string): Promise<void> {
      await this.addAttachmentsOf([{ reportId, attachments }], at);
    },

    async addAttachmentsOf(list: { reportId: string; attachments: readonly AssessedAttachment[] }[], at: string): Promise<void> {
      const all = list.flatMap(({ reportId, attachments }) => attachments.map((a) => ({ reportId, a })));
      await upsertContents(
        db,
        dialect,
        all.map(({ a }) => a),
        at,
      );
      const rows = all.map(({ reportId, a }) => ({ id: a.id, report_id: reportId, sha256: a.sha256, filename: a.filename, mime_type: a.mimeType, size: a.size, kind: a.kind, note: a.note }));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('report_attachment').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    },

    async attachments(reportId: string): Promise<ReportAttachment[]> {
      const rows = await db
        .selectFrom('report_attachment')
        .innerJoin('evidence', 'evidence.sha256', 'report_attachment.sha256')
        .select([
          'report_attachment.id',
          'report_attachment.sha256',
          'evidence.sha1',
          'evidence.md5',
          'report_attachment.size',
          'report_attachment.filename',
          'report_attachment.mime_type',
          'report_attachment.kind',
          'report_attachment.note',
        ])
        .where('report_attachment.report_id', '=', reportId)
        .orderBy('report_attachment.id')
        .execute();
      return rows.map((r) => ({ ...r, size: Number(r.size), mimeType: r.mime_type, kind: r.kind as ReportAttachment['kind'] }));
    },

    /** Files attached to the reports of an incident: the evidence a coordination may attach. */
    async attachmentsForIncident(incidentId: string): Promise<{ sha256: string; filename: string | null; mimeType: string; size: number }[]> {
      const rows = await db
        .selectFrom('report_attachment')
        .innerJoin('report', 'report.id', 'report_attachment.report_id')
        .select(['report_attachment.sha256', 'report_attachment.filename', 'report_attachment.mime_type', 'report_attachment.size'])
        .where('report.incident_id', '=', incidentId)
        .orderBy('report_attachment.id')
        .execute();
      return rows.map((r) => ({ sha256: r.sha256, filename: r.filename, mimeType: r.mime_type, size: Number(r.size) }));
    },

    /** Reports of a channel by their source references (Message-IDs for mail), newest first. */
    async findBySourceRefs(channel: ReportChannel, refs: string[]): Promise<Report[]> {
      if (refs.length === 0) return [];
      const rows = await db
        .selectFrom('report')
        .selectAll()
        .where('channel', '=', channel)
        .where('source_ref', 'in', refs.slice(0, 100))
        .orderBy('received_at', 'desc')
        .execute();
      return rows.map(toReport);
    },

    /**
     * The report a receipt's reference names (`RK-R-1A2B3C4D`: the last 8
     * hex digits of its id), among those received since `since`; null when
     * none or more than one does.
     */
    async findByReference(hexSuffix: string, since: string): Promise<Report | null> {
      if (!/^[0-9a-f]{8}$/i.test(hexSuffix)) return null;
      const rows = await db.selectFrom('report').selectAll().where('id', 'like', `%${hexSuffix.toLowerCase()}`).where('received_at', '>=', since).limit(2).execute();
      return rows.length === 1 ? toReport(rows[0]!) : null;
    },

    /** Mark a report as answering another (threaded before triage). */
    async setReplyTo(id: string, replyTo: string): Promise<void> {
      await db.updateTable('report').set({ reply_to: replyTo }).where('id', '=', id).execute();
    },

    /** The replies to these reports still waiting in the triage queue (new, on no incident). */
    async newRepliesTo(ids: string[]): Promise<Report[]> {
      if (ids.length === 0) return [];
      const rows: Selectable<ReportTable>[] = [];
      for (let i = 0; i < ids.length; i += 500)
        rows.push(
          ...(await db.selectFrom('report').selectAll().where('reply_to', 'in', ids.slice(i, i + 500)).where('status', '=', 'new').where('incident_id', 'is', null).orderBy('received_at').execute()),
        );
      return rows.map(toReport);
    },

    async listIdsForIncident(incidentId: string): Promise<string[]> {
      const rows = await db.selectFrom('report').select('id').where('incident_id', '=', incidentId).execute();
      return rows.map((r) => r.id);
    },

    /** Put reports on an incident; a report that was rejected is un-rejected (the timeline records it). */
    async setIncident(ids: string[], incidentId: string): Promise<void> {
      for (let i = 0; i < ids.length; i += 500)
        await db
          .updateTable('report')
          .set({ incident_id: incidentId, status: 'triaged', reject_reason: null, reject_note: null, duplicate_of: null })
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
    },

    async setRejected(ids: string[], reason: RejectReason, note: string | null, duplicateOf: string | null): Promise<void> {
      for (let i = 0; i < ids.length; i += 500)
        await db
          .updateTable('report')
          .set({ status: 'rejected', reject_reason: reason, reject_note: note, duplicate_of: duplicateOf, incident_id: null })
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
    },
  };
}
export type ReportRepository = ReturnType<typeof createReportRepository>;

export function toReport(row: Selectable<ReportTable>): Report {
  return {
    id: row.id,
    channel: row.channel as ReportChannel,
    sourceRef: row.source_ref,
    sender: row.sender,
    senderName: row.sender_name,
    subject: row.subject,
    body: row.body,
    language: row.language,
    receivedAt: row.received_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
    status: row.status as ReportStatus,
    rejectReason: row.reject_reason as RejectReason | null,
    rejectNote: row.reject_note,
    duplicateOf: row.duplicate_of,
    incidentId: row.incident_id,
    tlp: row.tlp as Tlp,
    rawSha256: row.raw_sha256,
    rawSize: row.raw_size === null ? null : Number(row.raw_size),
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    reporterCountry: row.reporter_country ?? null,
    replyTo: row.reply_to ?? null,
  };
}
