import type { Kysely, Selectable } from 'kysely';
import { auditHash, type AuditEvent, type AuditEventInput, type AuditEventView } from '../../domain/audit.js';
import { newId } from '../../domain/ids.js';
import type { Page, PageResult } from '../../domain/access.js';
import type { DialectName } from '../database.js';
import type { AuditEventTable, DB } from '../schema.js';
import { cappedCount } from '../paging.js';

export interface AuditFilter {
  /** An actor id (an account's, or `system:…`), or an account's e-mail address. */
  actor?: string;
  action?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

/**
 * Appends lock the single `audit_head` row (FOR UPDATE on PostgreSQL; SQLite
 * has one writer at a time), so concurrent writers extend one chain; the
 * unique `position` refuses a fork even if that lock were bypassed.
 */
export function createAuditRepository(db: Kysely<DB>, dialect: DialectName, clock: () => Date) {
  return {
    /** Must run inside the caller's transaction, so the event commits with the change it records. */
    async append(events: AuditEventInput[]): Promise<AuditEvent[]> {
      if (events.length === 0) return [];
      let head = db.selectFrom('audit_head').select(['position', 'hash']).where('id', '=', 1);
      if (dialect === 'postgres') head = head.forUpdate();
      const h = await head.executeTakeFirstOrThrow();
      let position = Number(h.position);
      let prevHash = h.hash;
      const at = clock().toISOString();
      const out: AuditEvent[] = [];
      for (const e of events) {
        const base = { ...e, position: ++position, id: newId(), at, prevHash };
        const event: AuditEvent = { ...base, hash: auditHash(base) };
        out.push(event);
        prevHash = event.hash;
      }
      for (let i = 0; i < out.length; i += 500)
        await db
          .insertInto('audit_event')
          .values(
            out.slice(i, i + 500).map((e) => ({
              position: e.position,
              id: e.id,
              at: e.at,
              actor: e.actor,
              ip: e.ip,
              action: e.action,
              target_type: e.targetType,
              target_id: e.targetId,
              details: JSON.stringify(e.details),
              prev_hash: e.prevHash,
              hash: e.hash,
            })),
          )
          .execute();
      await db.updateTable('audit_head').set({ position, hash: prevHash }).where('id', '=', 1).execute();
      return out;
    },

    async head(): Promise<{ position: number; hash: string }> {
      const h = await db.selectFrom('audit_head').select(['position', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
      return { position: Number(h.position), hash: h.hash };
    },

    /** Events in chain order, in pages, for verification and export. */
    async *walk(batch = 5000): AsyncGenerator<AuditEvent> {
      let after = 0;
      for (;;) {
        const rows = await db.selectFrom('audit_event').selectAll().where('position', '>', after).orderBy('position').limit(batch).execute();
        for (const r of rows) yield toEvent(r);
        if (rows.length < batch) return;
        after = Number(rows[rows.length - 1]!.position);
      }
    },

    /** When `actor` last recorded `action` (the actor's index: an actor's events only), or null. */
    async lastAt(actor: string, action: string): Promise<string | null> {
      const row = await db.selectFrom('audit_event').select('at').where('actor', '=', actor).where('action', '=', action).orderBy('at', 'desc').limit(1).executeTakeFirst();
      return row?.at ?? null;
    },

    /** Newest first, each with its actor's name and e-mail when the actor is an account (a left join: `system:…` actors stay). */
    async list(filter: AuditFilter, page: Page): Promise<PageResult<AuditEventView>> {
      let q = db.selectFrom('audit_event');
      if (filter.actor?.includes('@')) {
        const email = filter.actor.trim().toLowerCase();
        q = q.where('actor', 'in', db.selectFrom('account').select('id').where('email', '=', email));
      } else if (filter.actor) q = q.where('actor', '=', filter.actor);
      if (filter.action) q = q.where('action', '=', filter.action);
      if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
      if (filter.from) q = q.where('at', '>=', filter.from);
      if (filter.to) q = q.where('at', '<', filter.to);
      const [rows, count] = await Promise.all([
        q
          .leftJoin('account', 'account.id', 'audit_event.actor')
          .selectAll('audit_event')
          .select(['account.display_name as actor_name', 'account.email as actor_email'])
          .orderBy('position', 'desc')
          .limit(page.limit)
          .offset(page.offset)
          .execute(),
        cappedCount(db, q),
      ]);
      return { items: rows.map((r) => ({ ...toEvent(r), actorName: r.actor_name, actorEmail: r.actor_email })), ...count, ...page };
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;

function toEvent(r: Selectable<AuditEventTable>): AuditEvent {
  return {
    position: Number(r.position),
    id: r.id,
    at: r.at,
    actor: r.actor,
    ip: r.ip,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
