import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Server } from 'node:net';
import iconv from 'iconv-lite';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImapPoller, parseImapUrl, returnPath, type ImapSource } from '../../src/channels/imap-poller.js';
import { MAX_ATTEMPTS, MailSpool } from '../../src/services/mail-spool.service.js';
import { inThreadReader } from '../../src/services/inbound-mail-pool.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { systemActor } from '../../src/domain/actor.js';
import { createSmtpIntake } from '../../src/channels/smtp-intake.js';
import { parseIntakeRoutes } from '../../src/domain/intake-route.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The IMAP door (a mailbox polled with imapflow, against hoodiecrow, a
 * scriptable IMAP server) and STARTTLS on the SMTP listener.
 */
type Hoodiecrow = { listen(port: number, host: string, cb: () => void): void; server: Server };
const hoodiecrow = createRequire(import.meta.url)('hoodiecrow-imap') as (options: object) => Hoodiecrow;

let h: Harness;
const routes = (() => {
  const r = parseIntakeRoutes('report@*,phishing@cert.example=phishing');
  if (!r.ok) throw new Error(r.error);
  return r.routes;
})();

const sjis = (s: string) => iconv.encode(s, 'Shift_JIS').toString('latin1');
const mail = (id: string, to: string, subject: string, body: string) =>
  [
    'From: "Taro" <taro@example.jp>',
    `To: ${to}`,
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
    `Message-ID: <${id}@example.jp>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=Shift_JIS',
    'Content-Transfer-Encoding: 8bit',
    '',
    sjis(body),
    '',
  ].join('\r\n');

let certDir: string;
const credentials = () => ({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) });

async function imapServer(messages: string[], plugins: string[] = []) {
  const server = hoodiecrow({
    credentials: credentials(),
    plugins: ['IDLE', 'UIDPLUS', 'MOVE', 'ENABLE', 'ID', 'LITERALPLUS', ...plugins],
    storage: { INBOX: { messages: messages.map((raw) => ({ raw })) }, '': { separator: '/', folders: {} } },
    users: { 'abuse@team.example': { password: 'secret' } },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const source: ImapSource = { ...parseImapUrl(`imap://abuse%40team.example@127.0.0.1:${port}/INBOX`, 'secret', { done: 'Renkei-Stored', failed: 'Renkei-Failed' }), allowPlain: true };
  const count = async (folder: string) => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: 'abuse@team.example', pass: 'secret' }, logger: false, disableAutoIdle: true, tls: { rejectUnauthorized: false } });
    await c.connect();
    try {
      const status = await c.status(folder, { messages: true });
      return status ? (status.messages ?? 0) : 0;
    } catch {
      return 0;
    } finally {
      await c.logout();
    }
  };
  return { source, count, close: () => new Promise<void>((r) => server.server.close(() => r())) };
}

beforeAll(async () => {
  // A certificate made for this run (hoodiecrow's own has expired).
  certDir = mkdtempSync(join(tmpdir(), 'renkei-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  h = await createHarness();
  h.deps.settings.intake.autoAcknowledge = false;
});
afterAll(async () => {
  await h.close();
  rmSync(certDir, { recursive: true, force: true });
});

describe('IMAP intake', () => {
  it('spools every message, then moves it out of the inbox; each becomes a report (Shift_JIS decoded, routed by its recipient), a repeat one report', async () => {
    const imap = await imapServer([
      mail('imap-1', 'phishing@cert.example', 'フィッシングサイトの報告', '銀行を装うサイトです: hxxps://bank-login[.]example/'),
      mail('imap-2', 'report@team.example', 'スキャンの報告', '203.0.113.50 からのスキャン'),
      mail('imap-1', 'phishing@cert.example', 'フィッシングサイトの報告', '銀行を装うサイトです: hxxps://bank-login[.]example/'),
    ]);
    const spool = new MailSpool(h.deps, systemActor('imap'));
    spool.start();
    try {
      const poller = new ImapPoller(spool, imap.source, routes, { intervalSeconds: 60 });
      expect(await poller.pollOnce()).toEqual({ spooled: 3, failed: 0 });
      expect(await imap.count('INBOX')).toBe(0);
      expect(await imap.count('Renkei-Stored')).toBe(3);
      await spool.idle();
      expect((await h.deps.store.reports.findBySourceRefs('email', ['<imap-1@example.jp>', '<imap-2@example.jp>'])).length).toBe(2);
      const stored = await h.deps.store.reports.list({ kind: 'all' }, {}, { limit: 10, offset: 0 });
      const phishing = stored.items.find((r) => r.sourceRef === '<imap-1@example.jp>')!;
      expect(phishing).toMatchObject({ channel: 'email', subject: 'フィッシングサイトの報告', sender: 'taro@example.jp', createdBy: 'system:imap' });
      expect((phishing.meta as { route: { category: string } }).route.category).toBe('phishing');
      expect((phishing.meta as { envelope: { remoteAddress: string } }).envelope.remoteAddress).toMatch(/^imap:127\.0\.0\.1$/);
      // Nothing new: the next poll finds an empty inbox.
      expect(await poller.pollOnce()).toEqual({ spooled: 0, failed: 0 });
    } finally {
      await spool.stop();
      await imap.close();
    }
  });

  it('when the spool cannot store, the message stays in the inbox, and the next poll takes it', async () => {
    const imap = await imapServer([mail('imap-outage', 'report@team.example', '障害中の報告', 'DB が止まっている間に届いた報告')]);
    const spool = new MailSpool(h.deps, systemActor('imap'));
    spool.start();
    const poller = new ImapPoller(spool, imap.source, routes, { intervalSeconds: 60 });
    const outage = vi.spyOn(h.deps.store, 'transactionCommitted').mockRejectedValue(new Error('database unavailable'));
    try {
      await expect(poller.pollOnce()).rejects.toThrow('database unavailable');
      expect(await imap.count('INBOX')).toBe(1);
      outage.mockRestore();
      expect(await poller.pollOnce()).toEqual({ spooled: 1, failed: 0 });
      expect(await imap.count('INBOX')).toBe(0);
      await spool.idle();
      expect(await h.deps.store.reports.findBySourceRefs('email', ['<imap-outage@example.jp>'])).toHaveLength(1);
    } finally {
      outage.mockRestore();
      await spool.stop();
      await imap.close();
    }
  });

  it('never lets one bad message block the mailbox: one the reader fails on every time is held in the spool for a person, the rest are reports', async () => {
    const imap = await imapServer([mail('imap-poison', 'report@team.example', '壊れた報告', 'x'), mail('imap-after', 'report@team.example', '次の報告', '198.51.100.93 からのスキャン')]);
    const reader = h.deps.mailReader ?? inThreadReader(h.deps.evidence);
    const failing: ServiceDeps = {
      ...h.deps,
      mailReader: { ...reader, read: (raw, ...rest) => (raw.includes('imap-poison') ? Promise.reject(new TypeError('the reader crashed on this one')) : reader.read(raw, ...rest)) },
    };
    const spool = new MailSpool(failing, systemActor('imap'));
    spool.start();
    try {
      const poller = new ImapPoller(spool, imap.source, routes, { intervalSeconds: 60 });
      expect(await poller.pollOnce()).toEqual({ spooled: 2, failed: 0 });
      expect(await imap.count('INBOX')).toBe(0);
      // Tried again after each wait, until held.
      for (let i = 0; i <= MAX_ATTEMPTS; i++) {
        await spool.idle();
        h.advance(15 * 60_000);
      }
      await spool.idle();
      expect(await h.deps.store.reports.findBySourceRefs('email', ['<imap-after@example.jp>'])).toHaveLength(1);
      expect(await h.deps.store.reports.findBySourceRefs('email', ['<imap-poison@example.jp>'])).toHaveLength(0);
      expect(await spool.counts()).toMatchObject({ held: 1 });
    } finally {
      await spool.stop();
      await imap.close();
    }
  });

  it('requires STARTTLS on imap:// (a server without it is refused before the password is sent); upgrades when offered', async () => {
    const plain = await imapServer([mail('imap-tls', 'report@team.example', 'TLS', 'x')]);
    const tls = await imapServer([mail('imap-tls', 'report@team.example', 'TLS', 'x')], ['STARTTLS']);
    const spool = new MailSpool(h.deps, systemActor('imap'));
    try {
      await expect(new ImapPoller(spool, { ...plain.source, allowPlain: false }, routes, { intervalSeconds: 60 }).pollOnce()).rejects.toThrow(/STARTTLS/i);
      expect(await plain.count('INBOX')).toBe(1);
      const upgraded = new ImapPoller(spool, { ...tls.source, allowPlain: false, insecureTls: true }, routes, { intervalSeconds: 60 });
      expect(await upgraded.pollOnce()).toEqual({ spooled: 1, failed: 0 });
      expect(await tls.count('INBOX')).toBe(0);
    } finally {
      await plain.close();
      await tls.close();
    }
  });

  it('takes the envelope sender from the Return-Path the mailbox recorded (where a receipt goes), else the From', () => {
    expect(returnPath(Buffer.from('Return-Path: <bounce-1@lists.example>\r\nFrom: a@b.example\r\n\r\nx'))).toBe('bounce-1@lists.example');
    expect(returnPath(Buffer.from('return-path: <>\r\nFrom: mailer-daemon@b.example\r\n\r\nx'))).toBe('<>');
    expect(returnPath(Buffer.from('From: a@b.example\r\n\r\nReturn-Path: <in-the-body@x.example>'))).toBeNull();
    expect(returnPath(Buffer.from('From: a@b.example\n\nReturn-Path: <in-the-body@x.example>'))).toBeNull();
  });

  it('says clearly what is wrong with RENKEI_IMAP_URL', () => {
    expect(() => parseImapUrl('pop3://x@host/INBOX', '', { done: 'd', failed: 'f' })).toThrow(/imaps:\/\/ or imap:\/\//);
    expect(() => parseImapUrl('imaps://host/INBOX', '', { done: 'd', failed: 'f' })).toThrow(/names no user/);
    expect(parseImapUrl('imaps://reports%40cert.example@imap.example/', 'pw', { done: 'd', failed: 'f' })).toMatchObject({ port: 993, secure: true, user: 'reports@cert.example', mailbox: 'INBOX' });
  });
});

describe('SMTP STARTTLS', () => {
  it('offers STARTTLS with a configured certificate; a sender that requires TLS delivers over it', async () => {
    {
      const spool = new MailSpool(h.deps, systemActor('smtp'));
      spool.start();
      const smtp = createSmtpIntake({ spool, routes, maxBytes: 1024 * 1024, maxRecipients: 5, maxConnectionsPerAddress: 5, tls: credentials() });
      await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
      const port = (smtp.server.address() as AddressInfo).port;
      try {
        const secure: boolean[] = [];
        smtp.on('close', () => undefined);
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } });
        // requireTLS: nodemailer refuses to send unless STARTTLS succeeded, so a 250 here means the mail came over TLS.
        const info = await transport.sendMail({ envelope: { from: 'sender@example.jp', to: ['report@team.example'] }, raw: mail('smtp-tls', 'report@team.example', '暗号化された経路', 'STARTTLS で届いた報告') });
        secure.push(/^250/.test(info.response));
        expect(secure).toEqual([true]);
        // Without a certificate the listener offers no STARTTLS, and such a sender refuses to deliver.
        const plainSmtp = createSmtpIntake({ spool, routes, maxBytes: 1024 * 1024, maxRecipients: 5, maxConnectionsPerAddress: 5 });
        await new Promise<void>((r) => plainSmtp.listen(0, '127.0.0.1', () => r()));
        const plainPort = (plainSmtp.server.address() as AddressInfo).port;
        const strict = nodemailer.createTransport({ host: '127.0.0.1', port: plainPort, secure: false, requireTLS: true });
        await expect(strict.sendMail({ envelope: { from: 'sender@example.jp', to: ['report@team.example'] }, raw: mail('smtp-notls', 'report@team.example', 'x', 'y') })).rejects.toThrow();
        strict.close();
        await new Promise<void>((r) => plainSmtp.close(() => r()));
        await spool.idle();
        expect((await h.deps.store.reports.list({ kind: 'all' }, {}, { limit: 50, offset: 0 })).items.some((r) => r.sourceRef === '<smtp-tls@example.jp>')).toBe(true);
        transport.close();
      } finally {
        await new Promise<void>((r) => smtp.close(() => r()));
        await spool.stop();
      }
    }
  });
});
