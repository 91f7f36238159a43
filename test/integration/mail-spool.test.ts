import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { systemActor } from '../../src/domain/actor.js';
import { AppError } from '../../src/domain/errors.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { inThreadReader } from '../../src/services/inbound-mail-pool.js';
import { MAX_ATTEMPTS, MailSpool } from '../../src/services/mail-spool.service.js';
import { releaseHeldMail } from '../../src/services/held-mail.service.js';
import type { Store } from '../../src/store/store.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The mail spool behind the SMTP listener: `accept` returns once the mail is
 * on disk; the drainer records it as a report and removes it from the spool
 * in one transaction. Mail that cannot be recorded now waits and is tried
 * again; mail that can never be a report is held, never dropped.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const smtp = systemActor('smtp');
const envelope = { mailFrom: 'reporter@example.jp', rcptTo: ['report@renkei.example'], remoteAddress: '127.0.0.1' };
const mail = (id: string, body = `scan from 203.0.113.${id.length}`) => Buffer.from(`Message-ID: <${id}@example.jp>\r\nFrom: reporter@example.jp\r\nSubject: ${id}\r\n\r\n${body}\r\n`);
const reportsOf = async (id: string) =>
  (await sql<{ id: string; raw_size: number }>`select id, raw_size from report where source_ref = ${`<${id}@example.jp>`}`.execute(h.database.db)).rows;
const spooled = async () => (await sql<{ id: string; attempts: number; held: number; held_reason: string | null; last_error: string | null }>`select id, attempts, held, held_reason, last_error from mail_spool order by id`.execute(h.database.db)).rows;

const unreachable = () => Promise.reject(new Error('database unreachable'));
/** The harness's store, with what `fault` breaks in every transaction while `isDown()`. */
function failingWhile(isDown: () => boolean, fault: (tx: Store) => Store): Store {
  const real = h.deps.store;
  const wrap = (tx: Store) => (isDown() ? fault(tx) : tx);
  return { ...real, transactionCommitted: (fn) => real.transactionCommitted((tx) => fn(wrap(tx))), transaction: (fn) => real.transaction((tx) => fn(wrap(tx))) };
}

/** Run a drainer through `steps` (by default: until nothing is due), then stop it. */
async function draining(spool: MailSpool, steps: () => Promise<void> = () => spool.idle()): Promise<void> {
  spool.start();
  try {
    await steps();
  } finally {
    await spool.stop();
  }
}

describe('mail spool', () => {
  it('keeps an accepted mail on disk until the drainer records it (a mail spooled before a restart is recorded after it)', async () => {
    // Spooled by a process that stopped before recording it.
    const before = new MailSpool(h.deps, smtp);
    const id = await before.accept(mail('restart'), envelope, { address: 'phishing@renkei.example', category: 'phishing', constituency: null });
    expect((await spooled()).map((r) => r.id)).toEqual([id]);
    expect(await reportsOf('restart')).toEqual([]);

    // Recorded an hour later: received when it was spooled.
    const spooledAt = (await sql<{ received_at: string }>`select received_at from mail_spool`.execute(h.database.db)).rows[0]!.received_at;
    h.advance(3600_000);
    const after = new MailSpool(h.deps, smtp);
    await draining(after);
    const [report] = await reportsOf('restart');
    expect(report!.raw_size).toBe(mail('restart').length);
    expect(await spooled()).toEqual([]);
    const view = await h.deps.store.reports.findBySourceRefs('email', ['<restart@example.jp>']);
    expect(view[0]!.meta).toMatchObject({ route: { category: 'phishing' }, envelope: { mailFrom: 'reporter@example.jp' } });
    expect(view[0]!.receivedAt).toBe(spooledAt);
    expect(Date.parse(view[0]!.createdAt) - Date.parse(spooledAt)).toBeGreaterThanOrEqual(3600_000);
  });

  it('records a lone mail at once: a group waits for company only while other mails are being read', async () => {
    const spool = new MailSpool(h.deps, smtp, { groupWaitMs: 60_000 });
    await spool.accept(mail('lone'), envelope, null);
    const t0 = Date.now();
    await draining(spool);
    expect(await reportsOf('lone')).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('records the same mail spooled twice once, and two drainers on one spool record each mail once', async () => {
    const a = new MailSpool(h.deps, smtp);
    const b = new MailSpool(h.deps, smtp);
    await a.accept(mail('twice'), envelope, null);
    await a.accept(mail('twice'), envelope, null);
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).accept(mail(`pair-${i}`), envelope, null);
    a.start();
    b.start();
    try {
      await Promise.all([a.idle(), b.idle()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(await reportsOf('twice')).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect(await reportsOf(`pair-${i}`), `pair-${i}`).toHaveLength(1);
    expect(await spooled()).toEqual([]);
  });

  it('leaves a mail it cannot record in the spool with the reason, and records it on a later attempt', async () => {
    let down = true;
    // Spooled as usual; then recording its report fails while `down` (claiming it does not: see pg-outage.test.ts for a database away).
    await new MailSpool(h.deps, smtp).accept(mail('later'), envelope, null);
    const store = failingWhile(() => down, (tx) => ({ ...tx, reports: { ...tx.reports, insertManyIfAbsent: unreachable } }));
    const deps: ServiceDeps = { ...h.deps, store };
    const spool = new MailSpool(deps, smtp, { idlePollMs: 20 });
    await draining(spool, async () => {
      await spool.idle();
      const [row] = await spooled();
      expect(row).toMatchObject({ attempts: 1, held: 0, last_error: 'database unreachable' });
      expect(await reportsOf('later')).toEqual([]);
      // Not due before its retry time; recorded once it is.
      down = false;
      await spool.idle();
      expect(await reportsOf('later')).toEqual([]);
      h.advance(1_000);
      await spool.idle();
    });
    expect(await reportsOf('later')).toHaveLength(1);
    expect(await spooled()).toEqual([]);
  });

  it('waits while it cannot even claim a mail (the database away), and records it once it can', async () => {
    let down = true;
    await new MailSpool(h.deps, smtp).accept(mail('unclaimed'), envelope, null);
    const store = failingWhile(() => down, (tx) => ({ ...tx, mailSpool: { ...tx.mailSpool, claim: unreachable } }));
    const spool = new MailSpool({ ...h.deps, store }, smtp, { idlePollMs: 20 });
    await draining(spool, async () => {
      // Looked at, not claimed: no attempt counted, nothing recorded, nothing lost.
      await new Promise((r) => setTimeout(r, 300));
      expect(await spooled()).toMatchObject([{ attempts: 0, held: 0, last_error: null }]);
      expect(await reportsOf('unclaimed')).toEqual([]);
      down = false;
      for (let i = 0; i < 100 && (await reportsOf('unclaimed')).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    });
    expect(await reportsOf('unclaimed')).toHaveLength(1);
    expect(await spooled()).toEqual([]);
  });

  it('holds a mail whose bytes are missing, with why, instead of claiming it for ever', async () => {
    const spool = new MailSpool(h.deps, smtp);
    const id = await spool.accept(mail('no-bytes'), envelope, null);
    await sql`delete from mail_spool_raw where id = ${id}`.execute(h.database.db);
    await draining(spool, async () => {
      await spool.idle();
      for (let i = 0; i < 50 && (await spooled()).some((r) => !r.held); i++) await new Promise((r) => setTimeout(r, 20));
    });
    expect(await spooled()).toEqual([{ id, attempts: 1, held: 1, held_reason: 'bytes-missing', last_error: 'its bytes are missing from the spool (mail_spool_raw)' }]);
    await sql`delete from mail_spool where id = ${id}`.execute(h.database.db);
  });

  it('holds a mail that can never be a report, with the reason, and goes on with the others', async () => {
    const reader = inThreadReader(h.deps.evidence);
    const deps: ServiceDeps = {
      ...h.deps,
      mailReader: { ...reader, read: (raw, ...rest) => (raw.includes('poison') ? Promise.reject(new AppError('VALIDATION', 'no report can hold this')) : reader.read(raw, ...rest)) },
    };
    const spool = new MailSpool(deps, smtp);
    const poison = await spool.accept(mail('poison', 'poison'), envelope, null);
    await spool.accept(mail('healthy'), envelope, null);
    await draining(spool, async () => {
      await spool.idle();
      h.advance(24 * 3600_000);
      await spool.idle();
    });
    expect(await reportsOf('healthy')).toHaveLength(1);
    expect(await spooled()).toEqual([{ id: poison, attempts: 1, held: 1, held_reason: 'refused', last_error: 'no report can hold this' }]);
    expect(await spool.counts()).toMatchObject({ waiting: 0, held: 1 });
    const [held] = await h.deps.store.mailSpool.troubled();
    expect(held).toMatchObject({ id: poison, held: true, attempts: 1, lastError: 'no report can hold this' });

    // Mended (here: a reader that can read it), an operator releases it, and it is recorded.
    await expect(releaseHeldMail(h.deps, h.actor, 'no-such-mail')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await releaseHeldMail(h.deps, h.actor, poison);
    const mended = new MailSpool(h.deps, smtp);
    await draining(mended);
    expect(await reportsOf('poison')).toHaveLength(1);
    expect(await spooled()).toEqual([]);
  });

  it('counts an attempt before it reads (a mail that kills the process counts too), and holds a mail that keeps failing after MAX_ATTEMPTS', async () => {
    const seen: number[] = [];
    const reader = inThreadReader(h.deps.evidence);
    const deps: ServiceDeps = {
      ...h.deps,
      mailReader: {
        ...reader,
        read: async (raw, ...rest) => {
          if (!raw.includes('crasher')) return reader.read(raw, ...rest);
          seen.push((await spooled())[0]!.attempts);
          throw new TypeError('the reader fell over');
        },
      },
    };
    const spool = new MailSpool(deps, smtp);
    const id = await spool.accept(mail('crasher', 'crasher'), envelope, null);
    await draining(spool, async () => {
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        await spool.idle();
        h.advance(15 * 60_000);
      }
      await spool.idle();
    });
    // Already counted while being read: a process that died there would have left the count (and the wait) behind.
    expect(seen).toEqual(Array.from({ length: MAX_ATTEMPTS }, (_, i) => i + 1));
    expect(await spooled()).toEqual([{ id, attempts: MAX_ATTEMPTS, held: 1, held_reason: 'attempts', last_error: 'the reader fell over' }]);
    await h.deps.store.mailSpool.remove([id]);
  });

  it('does not take a failed mail again before its retry time even when the failure cannot be written down', async () => {
    let reads = 0;
    const reader = inThreadReader(h.deps.evidence);
    const store: Store = { ...h.deps.store, mailSpool: { ...h.deps.store.mailSpool, postpone: () => Promise.reject(new Error('disk full')) } };
    const deps: ServiceDeps = { ...h.deps, store, mailReader: { ...reader, read: () => (reads++, Promise.reject(new Error('evidence disk full'))) } };
    const spool = new MailSpool(deps, smtp, { idlePollMs: 10 });
    const id = await spool.accept(mail('stubborn'), envelope, null);
    await draining(spool, async () => {
      await spool.idle();
      await new Promise((r) => setTimeout(r, 200));
      await spool.idle();
    });
    expect(reads).toBe(1);
    expect(await spooled()).toEqual([{ id, attempts: 1, held: 0, held_reason: null, last_error: null }]);
    await h.deps.store.mailSpool.remove([id]);
  });

  it('refuses at once a mail larger than a report may hold, and spools nothing of it', async () => {
    const spool = new MailSpool(h.deps, smtp);
    await expect(spool.accept(Buffer.alloc(25 * 1024 * 1024 + 1, 0x61), envelope, null)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(await spooled()).toEqual([]);
  });

  it('takes a mail larger than its memory budget alone, and the rest after it', async () => {
    const spool = new MailSpool(h.deps, smtp, { maxInFlightBytes: 1024 });
    await spool.accept(mail('big', `${'x'.repeat(4000)} 198.51.100.77`), envelope, null);
    for (let i = 0; i < 5; i++) await spool.accept(mail(`small-${i}`), envelope, null);
    await draining(spool);
    expect(await reportsOf('big')).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(await reportsOf(`small-${i}`)).toHaveLength(1);
    expect(await spooled()).toEqual([]);
  });
});
