import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { leadingZeroBits } from '../../src/domain/web-form.js';
import { parseMail } from '../../src/formats/mail.js';
import { buildApp } from '../../src/http/app.js';
import { changeIncidentStatus } from '../../src/services/incident.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { outlookItem } from '../support/outlook-msg.js';

/** The public report form's server side: abuse checks, validation per field, encryption in the browser, receipt and private status link. */
let h: Harness;
let app: FastifyInstance;
let sink: SmtpSink;
let ipN = 0;

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url });
  h.deps.settings.intake.formPowBits = 8;
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
});
afterAll(async () => {
  await app.close();
  await h.close();
  await sink.close();
});
beforeEach(() => {
  sink.mails.length = 0;
});

const fields = (over: Record<string, unknown> = {}) => ({
  reporterName: '佐藤 一郎',
  organisation: '例示銀行',
  email: 'sato@bank.example',
  incidentType: 'phishing',
  occurredAt: '2026-11-25T23:40:00+09:00',
  description: '当行を装ったフィッシングサイトを確認しました。',
  addresses: 'https://secure-login.example-bank.com.evil.example/jp/',
  logs: 'GET /jp/ 200 from 198.51.100.23',
  language: 'ja',
  files: [{ name: 'lure.txt', type: 'text/plain', contentBase64: Buffer.from('lure mail text: https://lure.evil.example/').toString('base64') }],
  ...over,
});

async function solved(): Promise<{ challenge: string; nonce: string }> {
  const { challenge, bits } = (await app.inject('/api/public/challenge')).json<{ challenge: string; bits: number }>();
  for (let n = 0; ; n++) if (leadingZeroBits(createHash('sha256').update(`${challenge}:${n}`).digest()) >= bits) return { challenge, nonce: String(n) };
}
const submit = async (body: Record<string, unknown>, ip = `192.0.2.${++ipN}`) => app.inject({ method: 'POST', url: '/api/public/reports', payload: body, remoteAddress: ip });
const count = async () => Number((await h.database.db.selectFrom('report').select((eb) => eb.fn.countAll().as('n')).where('channel', '=', 'web-form').executeTakeFirstOrThrow()).n);

describe('the public report form', () => {
  it('stores a report with its files, mails a receipt with the reference and a private status link that follows the incident', async () => {
    const res = await submit({ fields: fields(), ...(await solved()) });
    expect(res.statusCode).toBe(201);
    const { reference, statusUrl } = res.json<{ reference: string; statusUrl: string }>();
    expect(reference).toMatch(/^RK-R-[0-9A-F]{8}$/);
    const report = (await h.database.db.selectFrom('report').selectAll().where('channel', '=', 'web-form').executeTakeFirstOrThrow());
    expect(report).toMatchObject({ sender: 'sato@bank.example', sender_name: '佐藤 一郎', language: 'ja' });
    expect(report.body).toContain('報告者: 佐藤 一郎');
    const observables = (await h.deps.store.observables.forReport(report.id)).map((o) => o.value);
    expect(observables).toEqual(expect.arrayContaining(['https://secure-login.example-bank.com.evil.example/jp/', '198.51.100.23', 'https://lure.evil.example/']));
    expect((await h.deps.store.reports.attachments(report.id)).map((a) => a.filename)).toEqual(['lure.txt']);

    await h.runJobs();
    expect(sink.mails.map((m) => m.to)).toEqual([['sato@bank.example']]);
    const receipt = await parseMail(sink.mails[0]!.raw);
    expect(receipt.subject).toBe(`[${reference}] ご報告を受け付けました`);
    expect(receipt.text).toContain(statusUrl);
    // The form's address is not checked: the receipt greets the address, never the name someone typed.
    expect(receipt.text).toContain('sato@bank.example 様');
    expect(receipt.text).not.toContain('佐藤');

    const token = statusUrl.split('#')[1]!;
    const status = async () => (await app.inject(`/api/public/status/${encodeURIComponent(token)}`)).json<{ status: string; reference: string }>();
    expect(await status()).toMatchObject({ status: 'received', reference });
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id] });
    expect((await status()).status).toBe('being-handled');
    await changeIncidentStatus(h.deps, h.actor, incident.id, { status: 'open' });
    await changeIncidentStatus(h.deps, h.actor, incident.id, { status: 'resolved' });
    expect(await status()).toEqual({ reference, receivedAt: report.received_at, status: 'resolved' });
    expect((await app.inject(`/api/public/status/${report.id}.forged-signature-value`)).statusCode).toBe(404);
  });

  it('reads a lure uploaded as .eml (untyped, as browsers send it) or .msg like a forwarded mail: its headers and URLs', async () => {
    const eml = Buffer.from('Received: from mx.evil.example ([203.0.113.66])\r\nFrom: "Bank" <no-reply@evil.example>\r\nSubject: verify\r\nMessage-ID: <lure-eml@evil.example>\r\n\r\nLog in at https://eml-lure.evil.example/jp/\r\n');
    const msg = outlookItem({ subject: '確認', body: 'https://msg-lure.evil.example/login', headers: 'Received: from mx2.evil.example ([203.0.113.67])\r\n\r\n', sender: 'no-reply@evil.example' });
    const res = await submit({
      fields: fields({
        files: [
          { name: 'lure.eml', type: '', contentBase64: eml.toString('base64') },
          { name: '不審メール.msg', type: 'application/octet-stream', contentBase64: msg.toString('base64') },
        ],
      }),
      ...(await solved()),
    });
    expect(res.statusCode, res.body).toBe(201);
    const report = await h.database.db.selectFrom('report').selectAll().where('channel', '=', 'web-form').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const observables = (await h.deps.store.observables.forReport(report.id)).map((o) => o.value);
    expect(observables).toEqual(expect.arrayContaining(['https://eml-lure.evil.example/jp/', '203.0.113.66', 'https://msg-lure.evil.example/login', '203.0.113.67']));
    expect((await h.deps.store.reports.attachments(report.id)).map((a) => [a.filename, a.mimeType, a.kind])).toEqual([
      ['lure.eml', 'message/rfc822', 'forwarded-message'],
      ['不審メール.msg', 'application/octet-stream', 'forwarded-message'],
    ]);
    const meta = JSON.parse(report.meta) as { forwarded: { subject: string; messageId: string | null }[]; problems: string[] };
    expect(meta.forwarded.map((f) => f.subject)).toEqual(['verify', '確認']);
    expect(meta.problems).toEqual([]);
  });

  it('opens a report encrypted in the browser to the team key, keeping the ciphertext as the original', async () => {
    const key = await openpgp.readKey({ armoredKey: h.deps.teamKeys[0]!.publicKeyArmored });
    const encrypted = (await openpgp.encrypt({ message: await openpgp.createMessage({ text: JSON.stringify(fields({ email: 'secret@bank.example', files: [] })) }), encryptionKeys: key, format: 'armored' })) as string;
    const res = await submit({ encrypted, ...(await solved()) });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ encrypted: boolean }>().encrypted).toBe(true);
    const report = await h.database.db.selectFrom('report').selectAll().where('sender', '=', 'secret@bank.example').executeTakeFirstOrThrow();
    expect((await h.deps.store.reports.raw({ kind: 'all' }, report.id))!.toString()).toContain('-----BEGIN PGP MESSAGE-----');
    const bad = await submit({ encrypted: '-----BEGIN PGP MESSAGE-----\n\nnonsense\n-----END PGP MESSAGE-----', ...(await solved()) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { issues: { path: string[] }[] } }>().error.issues[0]!.path).toEqual(['encrypted']);
  });

  it('refuses robots and bad input with a reason per field, storing nothing', async () => {
    const before = await count();
    const honeypot = await submit({ fields: fields(), website: 'http://spam.example', ...(await solved()) });
    expect(honeypot.statusCode).toBe(400);
    expect(honeypot.json<{ error: { message: string } }>().error.message).toMatch(/not filled in by a person/);

    expect((await submit({ fields: fields() })).json<{ error: { message: string } }>().error.message).toMatch(/proof of work: missing/);
    const work = await solved();
    expect((await submit({ fields: fields(), challenge: work.challenge, nonce: 'wrong-nonce-x' })).statusCode).toBe(400);
    expect((await submit({ fields: fields(), ...work })).statusCode).toBe(201);
    const reused = await submit({ fields: fields(), ...work });
    expect(reused.json<{ error: { message: string } }>().error.message).toMatch(/used already/);

    const invalid = await submit({ fields: fields({ email: 'not-an-address', reporterName: '' }), ...(await solved()) });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json<{ error: { issues: { path: string[] }[] } }>().error.issues.map((i) => i.path.join('.')).sort()).toEqual(['email', 'reporterName']);
    // Each field's fault by kind, for the page to say in its own language (the message is the server's English).
    const every = await submit({
      fields: fields({ reporterName: '', email: 'x', phone: 'p'.repeat(65), country: 'Japan', incidentType: 'nope', occurredAt: 'yesterday', description: 'd'.repeat(100_001), addresses: 'a'.repeat(20_001) }),
      ...(await solved()),
    });
    const kinds = Object.fromEntries(every.json<{ error: { issues: { path: string[]; kind: string }[] } }>().error.issues.map((i) => [i.path.join('.'), i.kind]));
    expect(kinds).toEqual({ reporterName: 'required', email: 'format', phone: 'too-big', country: 'format', incidentType: 'choice', occurredAt: 'format', description: 'too-big', addresses: 'too-big' });

    const huge = await app.inject({ method: 'POST', url: '/api/public/reports', payload: { fields: fields({ logs: 'x'.repeat(100 * 1024 * 1024) }) }, remoteAddress: '192.0.2.250' });
    expect(huge.statusCode).toBe(413);
    expect(await count()).toBe(before + 1); // only the one good submission
  });

  it('allows five submissions a minute from one address, then asks to try later', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await submit({ fields: fields({ description: `report ${i}` }), ...(await solved()) }, '203.0.113.99')).statusCode);
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('behind a trusted proxy, counts each reporter by the address the proxy forwards, not the proxy\'s own; an untrusted hop is not believed', async () => {
    const proxied = await buildApp({ deps: h.deps, ping: () => h.database.ping(), trustProxy: ['10.0.0.0/8'] });
    try {
      const via = async (proxy: string, client: string, i: number) =>
        (await proxied.inject({ method: 'POST', url: '/api/public/reports', payload: { fields: fields({ description: `proxied ${proxy} ${client} ${i}` }), ...(await solved()) }, remoteAddress: proxy, headers: { 'x-forwarded-for': client } })).statusCode;
      // Six reporters behind one proxy: none is refused for the others' sake.
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push(await via('10.0.0.5', `198.51.100.${120 + i}`, i));
      expect(codes).toEqual([201, 201, 201, 201, 201, 201]);
      // One of them six times: refused at the sixth, as without a proxy.
      const same: number[] = [];
      for (let i = 0; i < 6; i++) same.push(await via('10.0.0.5', '198.51.100.200', i));
      expect(same).toEqual([201, 201, 201, 201, 201, 429]);
      // A header from a peer that is not the proxy is not believed: the peer's own address counts.
      const spoofed: number[] = [];
      for (let i = 0; i < 6; i++) spoofed.push(await via('203.0.113.201', `198.51.100.${140 + i}`, i));
      expect(spoofed).toEqual([201, 201, 201, 201, 201, 429]);
    } finally {
      await proxied.close();
    }
  });
});
