import type { Kysely, Selectable } from 'kysely';
import type { HeldReason, SpoolCounts } from '../../domain/spooled-mail.js';
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


/** Mails a statement: at most 100, and at most 16 MiB of them (one mail alone may be larger: up to the SMTP limit). */
const CHUNK = 100;
const CHUNK_BYTES = 16 * 1024 * 1024;

function byBytes<T>(items: T[], size: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let bytes = 0;
  for (const item of items) {
    const last = chunks.at(-1);
    if (!last || last.length >= CHUNK || bytes + size(item) > CHUNK_BYTES) {
      chunks.push([item]);
      bytes = size(item);
    } else {
      last.push(item);
      bytes += size(item);
    }
  }
  return chunks;
}

/** A held mail due again: from its first attempt, at `now`. */
const released = (now: string) => ({ held: 0, held_reason: null, attempts: 0, next_attempt_at: now });

const spooledOf = (r: Pick<Selectable<DB['mail_spool']>, 'id' | 'received_at' | 'envelope' | 'route' | 'size' | 'attempts'>): SpooledMail => ({
  id: r.id,
  receivedAt: r.received_at,
  envelope: r.envelope,
  route: r.route,
  size: r.size,
  attempts: r.attempts,
});

/**
 * The mail spool (migrations 0016, 0018): acknowledged inbound mail not yet
 * recorded as a report. See services/mail-spool.service.ts.
 */
export function createMailSpoolRepository(db: Kysely<DB>) {
  return {
    async addMany(mails: NewSpooledMail[]): Promise<void> {
      for (let i = 0; i < mails.length; i += CHUNK)
        await db
          .insertInto('mail_spool')
          .values(
            mails.slice(i, i + CHUNK).map((m) => ({
              id: m.id,
              received_at: m.receivedAt,
              envelope: m.envelope,
              route: m.route,
              size: m.raw.length,
              next_attempt_at: m.receivedAt,
            })),
          )
          .execute();
      // The bytes apart (migration 0018): claiming an attempt updates the row above, and leaves these alone.
      for (const chunk of byBytes(mails, (m) => m.raw.length))
        await db
          .insertInto('mail_spool_raw')
          .values(chunk.map((m) => ({ id: m.id, raw: m.raw })))
          .execute();
    },

    /** Mails due now, oldest first, leaving out those in `busy` (being read or recorded already); without their bytes. */
    async due(now: string, limit: number, busy: string[]): Promise<SpooledMail[]> {
      let q = db
        .selectFrom('mail_spool')
        .select(['id', 'received_at', 'envelope', 'route', 'size', 'attempts'])
        .where('held', '=', 0)
        .where('next_attempt_at', '<=', now);
      if (busy.length) q = q.where('id', 'not in', busy);
      return (await q.orderBy('next_attempt_at').orderBy('id').limit(limit).execute()).map(spooledOf);
    },

    /**
     * Claim due mails that have had `attempts` attempts for one more: counted
     * now, before the attempt (a mail whose reading kills the process counts
     * too), and not due again before `until` (whoever else looks — after a
     * crash, another drainer — waits that long). The ids claimed: not those
     * another drainer claimed meanwhile.
     */
    async claim(ids: string[], attempts: number, now: string, until: string): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .updateTable('mail_spool')
        .set({ attempts: attempts + 1, next_attempt_at: until })
        .where('id', 'in', ids)
        .where('attempts', '=', attempts)
        .where('held', '=', 0)
        .where('next_attempt_at', '<=', now)
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    },

    /** The bytes of these mails (those still spooled). */
    async raws(ids: string[]): Promise<Map<string, Buffer>> {
      const out = new Map<string, Buffer>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db.selectFrom('mail_spool_raw').select(['id', 'raw']).where('id', 'in', ids.slice(i, i + CHUNK)).execute();
        for (const r of rows) out.set(r.id, Buffer.isBuffer(r.raw) ? r.raw : Buffer.from(r.raw));
      }
      return out;
    },

    /** Done with: recorded (call in the transaction that records them). The bytes go with the row (on delete cascade). */
    async remove(ids: string[]): Promise<void> {
      for (let i = 0; i < ids.length; i += 500) await db.deleteFrom('mail_spool').where('id', 'in', ids.slice(i, i + 500)).execute();
    },

    /** Not recorded at this attempt: try again at `nextAttemptAt`, or never by itself (held, for the reason `hold`), with the error. */
    async postpone(id: string, change: { nextAttemptAt: string; error: string; hold: HeldReason | null }): Promise<void> {
      await db
        .updateTable('mail_spool')
        .set({ next_attempt_at: change.nextAttemptAt, last_error: change.error.slice(0, 2000), held: change.hold ? 1 : 0, held_reason: change.hold })
        .where('id', '=', id)
        .execute();
    },

    /** A held mail is due again (an operator mended what kept it from becoming a report). False when no such mail is held. */
    async release(id: string, now: string): Promise<boolean> {
      const r = await db.updateTable('mail_spool').set(released(now)).where('id', '=', id).where('held', '=', 1).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Every held mail due again at once: how many. */
    async releaseAll(now: string): Promise<number> {
      const r = await db.updateTable('mail_spool').set(released(now)).where('held', '=', 1).executeTakeFirst();
      return Number(r.numUpdatedRows);
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

    /** Held mails by why, with the oldest of each (for the alert to the team). */
    async heldByReason(): Promise<{ reason: string | null; count: number; oldestReceivedAt: string }[]> {
      const rows = await db
        .selectFrom('mail_spool')
        .select((eb) => ['held_reason', eb.fn.countAll<number | string>().as('n'), eb.fn.min('received_at').as('oldest')])
        .where('held', '=', 1)
        .groupBy('held_reason')
        .execute();
      return rows.map((r) => ({ reason: r.held_reason, count: Number(r.n), oldestReceivedAt: String(r.oldest) }));
    },

    /** Mails held, or waiting after a failed attempt, in spooling order (oldest first), after the mail `after` when given, with why (for an operator). */
    async troubled(limit = 100, after?: string): Promise<(SpooledMail & { lastError: string | null; held: boolean; heldReason: string | null; nextAttemptAt: string })[]> {
      let q = db
        .selectFrom('mail_spool')
        .select(['id', 'received_at', 'envelope', 'route', 'size', 'attempts', 'last_error', 'held', 'held_reason', 'next_attempt_at'])
        .where((eb) => eb.or([eb('held', '=', 1), eb('last_error', 'is not', null)]));
      if (after !== undefined) q = q.where('id', '>', after);
      const rows = await q.orderBy('id').limit(limit).execute();
      return rows.map((r) => ({ ...spooledOf(r), lastError: r.last_error, held: Number(r.held) === 1, heldReason: r.held_reason, nextAttemptAt: r.next_attempt_at }));
    },
  };
}
