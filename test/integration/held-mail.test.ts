import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import { AppError } from '../../src/domain/errors.js';
import { buildApp } from '../../src/http/app.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { inThreadReader } from '../../src/services/inbound-mail-pool.js';
import { MailSpool } from '../../src/services/mail-spool.service.js';
import { HELD_MAIL_ALERT_JOB, noteHeldMail } from '../../src/services/held-mail.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { holdMail } from '../support/held-mail.js';

/**
 * The mail spool over the API (what `renkei spool` shows, for the web screen):
 * a mail acknowledged and held — it can never be a report as it is — is
 * counted for whoever triages, listed with why for leads and administrators,
 * downloadable (never rendered) by leads, and released to be tried again.
 */
let h: Harness;
let app: FastifyInstance;
const tokens: Record<'lead' | 'handler' | 'administrator' | 'partner', string> = { lead: '', handler: '', administrator: '', partner: '' };
beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  for (const role of ['lead', 'handler', 'administrator'] as const) tokens[role] = (await h.user([role])).token;
  const partner = await createOrganisation(h.deps, h.actor, { name: 'A partner', kind: 'csirt' });
  tokens.partner = (await h.user(['partner'], { organisationId: partner.id })).token;
});
afterAll(async () => {
  await app.close();
  await h.close();
});

const as = (role: keyof typeof tokens, method: 'GET' | 'POST', url: string) => app.inject({ method, url, headers: { authorization: `Bearer ${tokens[role]}` } });
const raw = Buffer.from('Message-ID: <held@example.jp>\r\nFrom: odd@example.jp\r\nSubject: =?UTF-8?B?5LiN5a+p?=\r\n\r\n<script>alert(1)</script> 203.0.113.9\r\n');

describe('held mail over the API', () => {
  it('counts it, lists it with why, serves its bytes as a download to leads, and releases it', async () => {
    const reader = inThreadReader(h.deps.evidence);
    const refusing: ServiceDeps = { ...h.deps, mailReader: { ...reader, read: () => Promise.reject(new AppError('VALIDATION', 'the report was refused: body: too long')) } };
    const spool = new MailSpool(refusing, systemActor('smtp'));
    const id = await spool.accept(raw, { mailFrom: 'odd@example.jp', rcptTo: ['phishing@team.example'], remoteAddress: '192.0.2.25' }, { address: 'phishing@team.example', category: 'phishing', constituency: null });
    spool.start();
    await spool.idle();
    await spool.stop();

    for (const role of ['handler', 'lead', 'administrator'] as const) {
      const counts = await as(role, 'GET', '/api/intake/spool');
      expect(counts.statusCode, role).toBe(200);
      expect(counts.json()).toMatchObject({ waiting: 0, held: 1 });
    }
    expect((await as('partner', 'GET', '/api/intake/spool')).statusCode).toBe(403);

    expect((await as('handler', 'GET', '/api/intake/spool/troubled')).statusCode).toBe(403);
    const listed = await as('administrator', 'GET', '/api/intake/spool/troubled');
    expect(listed.statusCode).toBe(200);
    const page = listed.json<{ items: Record<string, unknown>[]; next: string | null }>();
    const [item, ...more] = page.items;
    expect(more).toEqual([]);
    expect(page.next).toBeNull();
    expect(Object.keys(item!).sort()).toEqual(['attempts', 'held', 'heldReason', 'id', 'lastError', 'mailFrom', 'nextAttemptAt', 'rcptTo', 'receivedAt', 'remoteAddress', 'route', 'size']);
    expect(item).toMatchObject({
      id,
      mailFrom: 'odd@example.jp',
      rcptTo: ['phishing@team.example'],
      remoteAddress: '192.0.2.25',
      route: 'phishing@team.example',
      size: raw.length,
      attempts: 1,
      held: true,
      heldReason: 'refused',
      lastError: 'the report was refused: body: too long',
    });

    // Its bytes: leads only (not classified yet), as a download, byte for byte, and audited.
    expect((await as('administrator', 'GET', `/api/intake/spool/${id}/raw`)).statusCode).toBe(403);
    const download = await as('lead', 'GET', `/api/intake/spool/${id}/raw`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="spooled-${id}.eml"; filename*=UTF-8''spooled-${id}.eml`);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(raw)).toBe(true);
    const audited = await sql<{ action: string; target_id: string }>`select action, target_id from audit_event where action like 'mail-spool.%' order by position`.execute(h.database.db);
    expect(audited.rows).toEqual([{ action: 'mail-spool.raw-read', target_id: id }]);
    const auditedNow = async () => (await sql<{ action: string; target_id: string }>`select action, target_id from audit_event where action like 'mail-spool.%' order by position`.execute(h.database.db)).rows;
    const missing = await as('lead', 'GET', '/api/intake/spool/no-such-mail/raw');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'no mail no-such-mail in the spool' } });
    // An error is never sent as an attachment; a hostile id finds nothing and goes into no header.
    expect(missing.headers['content-disposition']).toBeUndefined();
    const refused = await as('administrator', 'GET', `/api/intake/spool/${id}/raw`);
    expect(refused.headers['content-disposition']).toBeUndefined();
    const hostile = await as('lead', 'GET', `/api/intake/spool/${encodeURIComponent('x"; filename="evil.html')}/raw`);
    expect(hostile.statusCode).toBe(404);
    expect(hostile.headers['content-disposition']).toBeUndefined();

    // Released: waiting again (the drainer records it once what kept it out is mended); not held, so not releasable twice.
    expect((await as('handler', 'POST', `/api/intake/spool/${id}/release`)).statusCode).toBe(403);
    expect((await as('lead', 'POST', `/api/intake/spool/${id}/release`)).statusCode).toBe(204);
    expect((await as('lead', 'GET', '/api/intake/spool')).json()).toMatchObject({ waiting: 1, held: 0 });
    expect(await auditedNow()).toEqual([
      { action: 'mail-spool.raw-read', target_id: id },
      { action: 'mail-spool.released', target_id: id },
    ]);
    const again = await as('administrator', 'POST', `/api/intake/spool/${id}/release`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: `no held mail ${id} in the spool` } });

    const mended = new MailSpool(h.deps, systemActor('smtp'));
    mended.start();
    await mended.idle();
    await mended.stop();
    expect((await as('lead', 'GET', '/api/intake/spool')).json()).toMatchObject({ waiting: 0, held: 0 });
    expect(Number((await sql<{ n: number | string }>`select count(*) as n from report where source_ref = '<held@example.jp>'`.execute(h.database.db)).rows[0]!.n)).toBe(1);
  });

  it('lists a storm of troubled mails a page at a time, each with why, and releases every held one at once (audited once)', async () => {
    const before = (await as('lead', 'GET', '/api/intake/spool')).json<{ waiting: number; held: number }>();
    const at = h.now();
    const ids: string[] = [];
    for (const [i, code] of (['refused', 'attempts', 'bytes-missing', 'refused', 'attempts'] as const).entries())
      ids.push(await holdMail(h.deps.store, at, Buffer.from(`Subject: storm ${i}\r\n\r\nx\r\n`), `failure ${i}`, code));
    // One waiting for its next attempt after a failure: troubled, not held.
    const waiting = await holdMail(h.deps.store, at, Buffer.from('Subject: waiting\r\n\r\nx\r\n'), 'the database is away');
    await h.deps.store.mailSpool.postpone(waiting, { nextAttemptAt: new Date(at.getTime() + 60_000).toISOString(), error: 'the database is away', hold: null });

    // Pages of two, oldest first, following `next` to the end: every troubled mail once, in order.
    const seen: { id: string; held: boolean; heldReason: string | null }[] = [];
    let after: string | null = null;
    do {
      const res = await as('lead', 'GET', `/api/intake/spool/troubled?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: { id: string; held: boolean; heldReason: string | null }[]; next: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      after = page.next;
    } while (after);
    const ours = seen.filter((m) => [...ids, waiting].includes(m.id));
    expect(ours.map((m) => [m.id, m.held, m.heldReason])).toEqual([
      [ids[0], true, 'refused'],
      [ids[1], true, 'attempts'],
      [ids[2], true, 'bytes-missing'],
      [ids[3], true, 'refused'],
      [ids[4], true, 'attempts'],
      [waiting, false, null],
    ]);
    expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
    expect((await as('lead', 'GET', '/api/intake/spool/troubled?limit=0')).statusCode).toBe(400);
    expect((await as('lead', 'GET', '/api/intake/spool/troubled?limit=501')).statusCode).toBe(400);

    // Every held mail at once: not for whoever only triages; for leads and administrators, with the count, audited once.
    expect((await as('handler', 'POST', '/api/intake/spool/release-held')).statusCode).toBe(403);
    const released = await as('administrator', 'POST', '/api/intake/spool/release-held');
    expect(released.statusCode).toBe(200);
    expect(released.json()).toEqual({ released: before.held + 5 });
    expect((await as('lead', 'GET', '/api/intake/spool')).json()).toMatchObject({ waiting: before.waiting + before.held + 6, held: 0 });
    const audited = await sql<{ action: string; target_id: string | null; details: string }>`select action, target_id, details from audit_event where action = 'mail-spool.released-all'`.execute(h.database.db);
    expect(audited.rows.map((r) => [r.action, r.target_id, JSON.parse(r.details) as unknown])).toEqual([['mail-spool.released-all', null, { count: before.held + 5 }]]);
    // Released: due at once, from the first attempt, no longer held for any reason; the last failure's words stay until the next attempt.
    const rows = await h.database.db.selectFrom('mail_spool').select(['id', 'held', 'held_reason', 'attempts', 'last_error']).where('id', 'in', ids).orderBy('id').execute();
    expect(rows.map((r) => [Number(r.held), r.held_reason, r.attempts, r.last_error])).toEqual(ids.map((_, i) => [0, null, 0, `failure ${i}`]));
    // Nothing held: nothing to release, and that is no error.
    expect((await as('lead', 'POST', '/api/intake/spool/release-held')).json()).toEqual({ released: 0 });
  });

  it('tells the leads that mail is held, with how many and why: none once they are released, one alert an hour at most, no held mail untold', async () => {
    const alertJobs = async () =>
      (await sql<{ run_at: string; state: string }>`select run_at, state from job where kind = ${HELD_MAIL_ALERT_JOB} order by run_at`.execute(h.database.db)).rows;
    const alerts = async () =>
      (await sql<{ subject: string; envelope_to: string; raw: Buffer }>`select subject, envelope_to, raw from outbound_mail where kind = 'notice' order by created_at, id`.execute(h.database.db)).rows;
    const hold = async (n: number) => {
      const reader = inThreadReader(h.deps.evidence);
      const refusing: ServiceDeps = { ...h.deps, mailReader: { ...reader, read: () => Promise.reject(new AppError('VALIDATION', 'the report was refused')) } };
      const spool = new MailSpool(refusing, systemActor('smtp'));
      for (let i = 0; i < n; i++)
        await spool.accept(Buffer.from(`Message-ID: <storm-${h.now().getTime()}-${i}@example.jp>\r\nSubject: storm\r\n\r\nx\r\n`), { mailFrom: 'odd@example.jp', rcptTo: ['phishing@team.example'], remoteAddress: '192.0.2.25' }, null);
      spool.start();
      await spool.idle();
      await spool.stop();
    };
    // The first test's drainer held a mail: an alert was queued for a minute later, once.
    const [first] = await alertJobs();
    expect(await alertJobs()).toEqual([{ run_at: first!.run_at, state: 'queued' }]);
    // The test before released every held mail: when that alert runs, it has nothing to say.
    h.advance(61_000);
    await h.runJobs();
    expect(await alerts()).toEqual([]);
    // Three mails held now (and those the test before released, held again by the same refusing reader): one alert
    // queued, a minute on (the quiet run sent nothing, so no hour to wait) — not one a mail.
    await hold(3);
    const { held } = (await as('lead', 'GET', '/api/intake/spool')).json<{ held: number }>();
    expect(held).toBeGreaterThanOrEqual(3);
    const queued = async () => (await alertJobs()).filter((j) => j.state === 'queued').map((j) => j.run_at);
    expect(await queued()).toHaveLength(1);
    // One more held while it waits: told in the same alert.
    await hold(1);
    expect(await queued()).toHaveLength(1);
    h.advance(61_000);
    await h.runJobs();
    // One mail to the leads, in Japanese and English, with the count and why.
    const sent = await alerts();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe(`[Renkei] 受信メール ${held + 1} 通が報告にできず保留中 / ${held + 1} received mails held, not yet reports`);
    expect(JSON.parse(sent[0]!.envelope_to)).toContain('handler@team.example');
    const text = sent[0]!.raw.toString('utf8');
    expect(text).toContain('renkei spool release --all');
    expect(text).toContain('/intake-spool');
    const alerted = await sql<{ at: string }>`select at from audit_event where action = 'mail-spool.held-alerted'`.execute(h.database.db);
    expect(alerted.rows).toHaveLength(1);
    // Another held soon after: its alert waits for the hour since the last one sent, then tells every held mail.
    await hold(1);
    expect(await queued()).toEqual([new Date(Date.parse(alerted.rows[0]!.at) + 3600_000).toISOString()]);
    h.advance(61_000);
    await h.runJobs();
    expect(await alerts()).toHaveLength(1);
    h.advance(3600_000);
    await h.runJobs();
    expect((await alerts()).map((a) => a.subject)).toEqual([sent[0]!.subject, sent[0]!.subject.replaceAll(String(held + 1), String(held + 2))]);
  });

  it('two drainers holding mails at once, either side of a minute, queue one alert: the second waits for the first and sees it', async () => {
    await sql`delete from job where kind = ${HELD_MAIL_ALERT_JOB}`.execute(h.database.db);
    // Far enough on that the hour since the last alert sent is over: each would queue its own, a minute from its clock.
    const at = (iso: string): ServiceDeps => ({ ...h.deps, clock: () => new Date(iso) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let noted!: () => void;
    const firstNoted = new Promise<void>((r) => (noted = r));
    const first = h.deps.store.transaction(async (tx) => {
      await noteHeldMail(at('2099-01-01T00:00:59.900Z'), tx);
      noted();
      await gate;
    });
    await firstNoted;
    const second = h.deps.store.transaction((tx) => noteHeldMail(at('2099-01-01T00:01:00.100Z'), tx));
    // The second is under way (waiting on PostgreSQL's lock, or SQLite's one writer) while the first is still open.
    await new Promise((r) => setTimeout(r, 200));
    release();
    await Promise.all([first, second]);
    const jobs = await sql<{ run_at: string }>`select run_at from job where kind = ${HELD_MAIL_ALERT_JOB}`.execute(h.database.db);
    expect(jobs.rows.map((j) => new Date(j.run_at).toISOString())).toEqual(['2099-01-01T00:01:59.900Z']);
  });
});
