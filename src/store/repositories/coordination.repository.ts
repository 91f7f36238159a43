import type { Kysely, Selectable } from 'kysely';
import type { Coordination, CoordinationMessage, CoordinationPurpose, CoordinationState } from '../../domain/coordination.js';
import { coordinationTag } from '../../domain/coordination.js';
import type { MessageTemplate, TemplateKind } from '../../domain/message-template.js';
import type { Tlp } from '../../domain/tlp.js';
import type { DB, CoordinationTable, OutboundMailTable } from '../schema.js';

export type CoordinationRow = Selectable<CoordinationTable>;
export type OutboundMailRow = Selectable<OutboundMailTable>;

export type OutboundMail = Omit<OutboundMailRow, 'raw'> & { envelopeTo: string[] };

/** Coordinations, the outbound mail queue, replies threaded into coordinations, and message templates. */
export function createCoordinationRepository(db: Kysely<DB>) {
  const repo = {
    /** Call with the incident row locked (the service does): sequences are per incident. */
    async nextSequence(incidentId: string): Promise<number> {
      const row = await db
        .selectFrom('coordination')
        .select((eb) => eb.fn.max('sequence').as('last'))
        .where('incident_id', '=', incidentId)
        .executeTakeFirst();
      return Number(row?.last ?? 0) + 1;
    },

    async insert(row: CoordinationRow): Promise<void> {
      await db.insertInto('coordination').values(row).execute();
    },

    async update(id: string, patch: Partial<Omit<CoordinationRow, 'id' | 'incident_id' | 'sequence'>>): Promise<void> {
      await db.updateTable('coordination').set(patch).where('id', '=', id).execute();
    },

    async findRow(id: string): Promise<CoordinationRow | null> {
      return (await db.selectFrom('coordination').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    async findRowBySequence(incidentId: string, sequence: number): Promise<CoordinationRow | null> {
      return (
        (await db.selectFrom('coordination').selectAll().where('incident_id', '=', incidentId).where('sequence', '=', sequence).executeTakeFirst()) ??
        null
      );
    },

    async listRows(incidentIds: string[]): Promise<CoordinationRow[]> {
      if (incidentIds.length === 0) return [];
      return db.selectFrom('coordination').selectAll().where('incident_id', 'in', incidentIds).orderBy('incident_id').orderBy('sequence').execute();
    },

    // -- outbound mail ----------------------------------------------------

    async insertMail(row: OutboundMailRow): Promise<void> {
      await db.insertInto('outbound_mail').values(row).execute();
    },

    async findMail(id: string): Promise<OutboundMail | null> {
      const row = await db.selectFrom('outbound_mail').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toMail(row) : null;
    },

    async mailRaw(id: string): Promise<Buffer | null> {
      const row = await db.selectFrom('outbound_mail').select('raw').where('id', '=', id).executeTakeFirst();
      return row?.raw ? Buffer.from(row.raw) : null;
    },

    async markMailSent(id: string, attempts: number, at: string, response: string, wipeRaw: boolean): Promise<void> {
      await db
        .updateTable('outbound_mail')
        .set({ state: 'sent', attempts, sent_at: at, relay_response: response.slice(0, 1000), last_error: null, ...(wipeRaw ? { raw: null } : {}) })
        .where('id', '=', id)
        .execute();
    },

    async markMailAttempt(id: string, attempts: number, error: string, failed: boolean, wipeRaw: boolean): Promise<void> {
      await db
        .updateTable('outbound_mail')
        .set({ attempts, last_error: error.slice(0, 2000), ...(failed ? { state: 'failed' } : {}), ...(failed && wipeRaw ? { raw: null } : {}) })
        .where('id', '=', id)
        .execute();
    },

    async mailsFor(coordinationIds: string[]): Promise<OutboundMail[]> {
      if (coordinationIds.length === 0) return [];
      const rows = await db
        .selectFrom('outbound_mail')
        .select([
          'id',
          'kind',
          'coordination_id',
          'incident_id',
          'message_id',
          'envelope_from',
          'envelope_to',
          'subject',
          'raw_size',
          'is_signed',
          'is_encrypted',
          'state',
          'attempts',
          'last_error',
          'relay_response',
          'created_at',
          'created_by',
          'sent_at',
        ])
        .where('coordination_id', 'in', coordinationIds)
        .orderBy('created_at')
        .execute();
      return rows.map((r) => ({ ...r, envelopeTo: JSON.parse(r.envelope_to) as string[] }));
    },

    /** The coordination that sent one of these Message-IDs (a reply's In-Reply-To / References), newest first. */
    async coordinationByMessageIds(messageIds: string[]): Promise<{ coordinationId: string; messageId: string } | null> {
      if (messageIds.length === 0) return null;
      const row = await db
        .selectFrom('outbound_mail')
        .select(['coordination_id', 'message_id'])
        .where('message_id', 'in', messageIds.slice(0, 200))
        .where('coordination_id', 'is not', null)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row?.coordination_id ? { coordinationId: row.coordination_id, messageId: row.message_id } : null;
    },

    // -- replies ----------------------------------------------------------

    async addReply(coordinationId: string, reportId: string, matchedBy: string, at: string): Promise<boolean> {
      const r = await db
        .insertInto('coordination_reply')
        .values({ coordination_id: coordinationId, report_id: reportId, matched_by: matchedBy, at })
        .onConflict((oc) => oc.columns(['coordination_id', 'report_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async repliesFor(coordinationIds: string[]) {
      if (coordinationIds.length === 0) return [];
      return db
        .selectFrom('coordination_reply')
        .innerJoin('report', 'report.id', 'coordination_reply.report_id')
        .select([
          'coordination_reply.coordination_id as coordinationId',
          'coordination_reply.report_id as reportId',
          'coordination_reply.matched_by as matchedBy',
          'coordination_reply.at as at',
          'report.subject as subject',
          'report.sender as sender',
          'report.source_ref as messageId',
        ])
        .where('coordination_reply.coordination_id', 'in', coordinationIds)
        .orderBy('coordination_reply.at')
        .execute();
    },

    // -- templates --------------------------------------------------------

    async latestTemplate(kind: TemplateKind, language: string): Promise<Omit<MessageTemplate, 'isDefault'> | null> {
      const row = await db
        .selectFrom('message_template')
        .leftJoin('account', 'account.id', 'message_template.updated_by')
        .selectAll('message_template')
        .select('account.display_name as updated_by_name')
        .where('message_template.kind', '=', kind)
        .where('message_template.language', '=', language)
        .orderBy('message_template.version', 'desc')
        .executeTakeFirst();
      return row
        ? {
            kind,
            language: row.language as 'ja' | 'en',
            subject: row.subject,
            body: row.body,
            version: row.version,
            updatedAt: row.updated_at,
            updatedBy: row.updated_by,
            updatedByName: row.updated_by_name,
          }
        : null;
    },

    /** A new version; earlier ones stay (what was sent can always be traced to the text it came from). */
    async saveTemplate(kind: TemplateKind, language: string, subject: string, body: string, by: string, at: string): Promise<number> {
      const row = await db
        .selectFrom('message_template')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('kind', '=', kind)
        .where('language', '=', language)
        .executeTakeFirst();
      const version = Number(row?.v ?? 0) + 1;
      await db.insertInto('message_template').values({ kind, language, version, subject, body, updated_by: by, updated_at: at }).execute();
      return version;
    },
  };
  return repo;
}
export type CoordinationRepository = ReturnType<typeof createCoordinationRepository>;

function toMail(r: OutboundMailRow): OutboundMail {
  const { raw: _raw, ...rest } = r;
  return { ...rest, envelopeTo: JSON.parse(r.envelope_to) as string[] };
}

/** The API shape of a row. */
export function toCoordination(r: CoordinationRow, incidentNumber: string, organisationName: string | null): Coordination {
  return {
    id: r.id,
    incidentId: r.incident_id,
    sequence: r.sequence,
    tag: coordinationTag(incidentNumber, r.sequence),
    purpose: r.purpose as CoordinationPurpose,
    state: r.state as CoordinationState,
    organisationId: r.organisation_id,
    organisationName,
    contactEmail: r.contact_email,
    contactName: r.contact_name,
    language: r.language as 'ja' | 'en',
    tlp: r.tlp as Tlp,
    defang: r.defang === 1,
    subject: r.subject,
    body: r.body,
    evidence: JSON.parse(r.evidence) as string[],
    reminderAfterHours: r.reminder_after_hours,
    followUpsSent: r.follow_ups_sent,
    encrypt: r.encrypt === 1,
    lastSentAt: r.last_sent_at,
    lastReplyAt: r.last_reply_at,
    nextReminderAt: r.next_reminder_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

export function toMessages(mails: OutboundMail[], replies: Awaited<ReturnType<CoordinationRepository['repliesFor']>>): CoordinationMessage[] {
  const out: CoordinationMessage[] = mails.map((m) => ({
    id: m.id,
    coordinationId: m.coordination_id!,
    direction: 'outbound',
    kind: m.kind === 'follow-up' ? 'follow-up' : 'initial',
    messageId: m.message_id,
    subject: m.subject,
    delivery: m.state as 'queued' | 'sent' | 'failed',
    attempts: m.attempts,
    lastError: m.last_error,
    isSigned: m.is_signed === 1,
    isEncrypted: m.is_encrypted === 1,
    reportId: null,
    at: m.created_at,
    sentAt: m.sent_at,
  }));
  for (const r of replies) {
    out.push({
      id: r.reportId,
      coordinationId: r.coordinationId,
      direction: 'inbound',
      kind: 'reply',
      messageId: r.messageId,
      subject: r.subject ?? '',
      delivery: null,
      attempts: 0,
      lastError: null,
      isSigned: false,
      isEncrypted: false,
      reportId: r.reportId,
      at: r.at,
      sentAt: null,
    });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
