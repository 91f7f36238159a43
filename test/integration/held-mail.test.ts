import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import { AppError } from '../../src/domain/errors.js';
import { buildApp } from '../../src/http/app.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { inThreadReader } from '../../src/services/inbound-mail-pool.js';
import { MailSpool } from '../../src/services/mail-spool.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createHarness, type Harness } from '../support/harness.js';

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
    const [item, ...more] = listed.json<{ items: Record<string, unknown>[] }>().items;
    expect(more).toEqual([]);
    expect(Object.keys(item!).sort()).toEqual(['attempts', 'held', 'id', 'lastError', 'mailFrom', 'nextAttemptAt', 'rcptTo', 'receivedAt', 'remoteAddress', 'route', 'size']);
    expect(item).toMatchObject({
      id,
      mailFrom: 'odd@example.jp',
      rcptTo: ['phishing@team.example'],
      remoteAddress: '192.0.2.25',
      route: 'phishing@team.example',
      size: raw.length,
      attempts: 1,
      held: true,
      lastError: 'the report was refused: body: too long',
    });

    // Its bytes: leads only (not classified yet), as a download, byte for byte, and audited.
    expect((await as('administrator', 'GET', `/api/intake/spool/${id}/raw`)).statusCode).toBe(403);
    const download = await as('lead', 'GET', `/api/intake/spool/${id}/raw`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="spooled-${id}.eml"`);
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
});
