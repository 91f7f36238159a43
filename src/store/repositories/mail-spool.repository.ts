import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** A spooled mail as the drainer sees it before it reads the bytes. */
export interface SpooledMail {
  id: string;
  receivedAt: string;
  /** JSON of the SMTP envelope, as spooled. */
  envelope: string;
  /** JSON of the report address taken, or null. */
  route: string | null;
  size: number;
  attempts: number;
}

export interface NewSpooledMail {
  id: string;
  receivedAt: string;
  envelope: string;
  route: string | null;
  raw: Buffer;
}

export interface SpoolCounts {
  /** Waiting to be recorded (including those waiting for a retry). */
  waiting: number;
  /** Held for an operator: they can never become a report as they are. */
  held: number;
  oldestReceivedAt: string | null;
}

/** Mails a statement: each row may carry up to the SMTP size limit of bytes, but most are a few KB. */
const CHUNK = 100;

/**
 * The mail spool (migration 0016): acknowledged inbound mail not yet
 * recorded as a report. See services/mail-spool.service.ts.
 */
export function createMailSpoolRepository(db: Kysely<DB>) {
  return {
    async addMany(mails: NewSpooledMail[]): Promise<void> {
      for (let i = 0; i < mails.length; i += CHUNK) {
        await db
          .insertInto('mail_spool')
          .values(
            mails.slice(i, i + CHUNK).map((m) => ({
              id: m.id,
              received_at: m.receivedAt,
              envelope: m.envelope,
              route: m.route,
              size: m.raw.length,
              raw: m.raw,
              next_attempt_at: m.receivedAt,
            })),
          )
          .execute();
      }
    },

    /** Mails due now, oldest first, leaving out those in `busy` (being read or recorded already); without their bytes. */
    async due(now: string, limit: number, busy: string[]): Promise<SpooledMail[]> {
      let q = db
        .selectFrom('mail_spool')
        .select(['id', 'received_at', 'envelope', 'route', 'size', 'attempts'])
        .where('held', '=', 0)
        .where('next_attempt_at', '<=', now);
      if (busy.length) q = q.where('id', 'not in', busy);
      const rows = await q.orderBy('id').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, envelope: r.envelope, route: r.route, size: r.size, attempts: r.attempts }));
    },

    /** The bytes of these mails (those still spooled). */
    async raws(ids: string[]): Promise<Map<string, Buffer>> {
      const out = new Map<string, Buffer>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db.selectFrom('mail_spool').select(['id', 'raw']).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
        for (const r of rows) out.set(r.id, Buffer.isBuffer(r.raw) ? r.raw : Buffer.from(r.raw));
      }
      return out;
    },

    /** Done with: recorded (call in the transaction that records them). */
    async remove(ids: string[]): Promise<void> {
      for (let i = 0; i < ids.length; i += 500) await db.deleteFrom('mail_spool').where('id', 'in', ids.slice(i, i + 500)).execute();
    },

    /** Not recorded this time: try again at `nextAttemptAt`, or never by itself (`hold`), with the reason. */
    async postpone(id: string, change: { nextAttemptAt: string; error: string; hold: boolean }): Promise<void> {
      await db
        .updateTable('mail_spool')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: change.nextAttemptAt, last_error: change.error.slice(0, 2000), held: change.hold ? 1 : 0 }))
        .where('id', '=', id)
        .execute();
    },

    /** A held mail is due again (an operator mended what kept it from becoming a report). False when no such mail is held. */
    async release(id: string, now: string): Promise<boolean> {
      const r = await db.updateTable('mail_spool').set({ held: 0, next_attempt_at: now }).where('id', '=', id).where('held', '=', 1).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async counts(): Promise<SpoolCounts> {
      const rows = await db
        .selectFrom('mail_spool')
        .select((eb) => ['held', eb.fn.countAll<number | string>().as('n'), eb.fn.min('received_at').as('oldest')])
        .groupBy('held')
        .execute();
      const of = (held: number) => rows.find((r) => Number(r.held) === held);
      return { waiting: Number(of(0)?.n ?? 0), held: Number(of(1)?.n ?? 0), oldestReceivedAt: (of(0)?.oldest) ?? null };
    },

    /** The held mails, oldest first, with why (for an operator). */
    async held(limit = 100): Promise<(SpooledMail & { lastError: string | null })[]> {
      const rows = await db
        .selectFrom('mail_spool')
        .select(['id', 'received_at', 'envelope', 'route', 'size', 'attempts', 'last_error'])
        .where('held', '=', 1)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, envelope: r.envelope, route: r.route, size: r.size, attempts: r.attempts, lastError: r.last_error }));
    },
  };
}
