import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { createSmtpIntake } from '../../src/channels/smtp-intake.js';
import { systemActor } from '../../src/domain/actor.js';
import { MailSpool } from '../../src/services/mail-spool.service.js';
import { inboundMailPool } from '../../src/services/inbound-mail-pool.js';
import { parseIntakeRoutes } from '../../src/domain/intake-route.js';
import { getReport } from '../../src/services/report.service.js';
import { getIncident } from '../../src/services/incident.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storedBytes } from '../../src/services/evidence-bytes.js';

/** The SMTP door: 250 only once spooled on disk (then recorded by the spool), 550 / 552 / 451 as a sending MTA expects. */
let h: Harness;
const routes = (() => {
  const r = parseIntakeRoutes('report@renkei.example,phishing@renkei.example=phishing');
  if (!r.ok) throw new Error(r.error);
  return r.routes;
})();

interface Listener {
  server: SMTPServer;
  port: number;
  spool: MailSpool;
}

/** A listener with its spool; `drain: false` leaves what it spools for another drainer. */
async function listen(deps: ServiceDeps, maxBytes = 1024 * 1024, drain = true, maxConnectionsPerAddress = 50): Promise<Listener> {
  const spool = new MailSpool(deps, systemActor('smtp'));
  if (drain) spool.start();
  const s = createSmtpIntake({ spool, routes, maxBytes, maxRecipients: 5, maxConnectionsPerAddress });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return { server: s, port: (s.server.address() as AddressInfo).port, spool };
}

const closeListener = async (l: Listener) => {
  await new Promise<void>((r) => l.server.close(() => r()));
  await l.spool.stop();
};

// Mail is read in a worker thread here, as `renkei serve` does; a worker failure would fall back silently, so it is checked.
const readerErrors: unknown[] = [];
let main: Listener;
beforeAll(async () => {
  h = await createHarness();
  h.deps.mailReader = inboundMailPool(1, h.deps.evidence, (err) => readerErrors.push(err));
  main = await listen(h.deps);
});
afterAll(async () => {
  await closeListener(main);
  await h.deps.mailReader?.close();
  await h.close();
  expect(readerErrors).toEqual([]);
});

/** Send as an MTA would; once acknowledged, wait for the spool to record it. */
async function send(raw: Buffer | string, to = 'phishing@renkei.example', target: Listener = main) {
  const info = await nodemailer
    .createTransport({ host: '127.0.0.1', port: target.port, secure: false, ignoreTLS: true })
    .sendMail({ envelope: { from: 'reporter@example.jp', to: [to] }, raw });
  await target.spool.idle();
  return info;
}

const reportBySource = async (sourceRef: string) =>
  (await sql<{ id: string }>`select id from report where source_ref = ${sourceRef}`.execute(h.database.db)).rows;

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** The SMTP replies on a socket, one complete reply at a time; `next(code)` fails unless the reply has that code. */
function lines(socket: Socket) {
  let buffered = '';
  const waiting: ((reply: string) => void)[] = [];
  const deliver = () => {
    for (let m = /^\d{3}(?: [^\r\n]*)?\r\n/m.exec(buffered); m && waiting.length; m = /^\d{3}(?: [^\r\n]*)?\r\n/m.exec(buffered)) {
      const reply = buffered.slice(0, m.index + m[0].length);
      buffered = buffered.slice(m.index + m[0].length);
      waiting.shift()!(reply);
    }
  };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => ((buffered += d), deliver()));
  socket.on('error', () => undefined);
  return {
    async next(code?: string): Promise<string> {
      const reply = await new Promise<string>((r) => (waiting.push(r), deliver()));
      const last = reply.trimEnd().split('\r\n').pop()!;
      if (code && !last.startsWith(code)) throw new Error(`expected ${code}, got ${reply}`);
      return last;
    },
  };
}

describe('SMTP intake', () => {
  it('stores an ISO-2022-JP phishing report before answering 250, decoded, with its URL extracted', async () => {
    const body = Buffer.from('\x1b$B%U%#%C%7%s%0$N$*CN$i$;\x1b(B\r\nhxxps://secure-login.example-bank.com.evil[.]example/jp/\r\n', 'latin1');
    const raw = Buffer.concat([
      crlf([
        'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>',
        'To: phishing@renkei.example',
        'Subject: =?ISO-2022-JP?B?GyRCJVUlIyVDJTclcyUwGyhC?=',
        'Message-ID: <iso2022@example.jp>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=ISO-2022-JP',
        'Content-Transfer-Encoding: 7bit',
        '',
        '',
      ]),
      body,
    ]);
    const info = await send(raw);
    expect(info.response).toMatch(/^250 .*queued as [0-9a-f-]{36}/);
    const [row] = await reportBySource('<iso2022@example.jp>');
    const view = await getReport(h.deps, h.actor, row!.id);
    expect(view.report).toMatchObject({ channel: 'email', subject: 'フィッシング', sender: 'yamada@example.jp', senderName: '山田', language: 'ja' });
    expect(view.report.body).toContain('フィッシングのお知らせ');
    expect(view.observables.map((o) => o.value)).toContain('https://secure-login.example-bank.com.evil.example/jp/');
    expect(view.report.meta).toMatchObject({ route: { category: 'phishing' } });
    expect((await h.deps.store.reports.raw({ kind: 'all' }, row!.id))!.equals(raw)).toBe(true);
  });

  it('reads Shift_JIS and EUC-JP', async () => {
    for (const [charset, bytes, id] of [
      ['Shift_JIS', Buffer.from([0x8d, 0x55, 0x8c, 0x82]), '<sjis@example.jp>'],
      ['EUC-JP', Buffer.from([0xb9, 0xb6, 0xb7, 0xe2]), '<eucjp@example.jp>'],
    ] as const) {
      const raw = Buffer.concat([crlf([`Message-ID: ${id}`, 'Subject: charset', `Content-Type: text/plain; charset=${charset}`, '', '']), bytes, Buffer.from(' 198.51.100.9\r\n')]);
      await send(raw);
      const view = await getReport(h.deps, h.actor, (await reportBySource(id))[0]!.id);
      expect(view.report.body, charset).toContain('攻撃');
    }
  });

  it('stores the same mail once, even when it came by another path (other Received lines)', async () => {
    const raw = crlf(['Message-ID: <twice@example.jp>', 'Subject: twice', '', 'scan from 203.0.113.40', '']);
    expect((await send(raw)).response).toMatch(/^250 /);
    expect((await send(raw)).response).toMatch(/^250 /);
    const relayed = crlf(['Received: from relay2.example.jp by mx.renkei.example; Wed, 25 Nov 2026 10:00:00 +0900', 'Message-ID: <twice@example.jp>', 'Subject: twice', '', 'scan from 203.0.113.40', '']);
    expect((await send(relayed)).response).toMatch(/^250 /);
    expect(await reportBySource('<twice@example.jp>')).toHaveLength(1);
    expect((await main.spool.counts()).waiting).toBe(0);
  });

  it('keeps another mail under the same Message-ID as a report of its own: other content, or redirected by another reporter', async () => {
    const lure = ['Message-ID: <lure-77@bank.evil.example>', 'From: "Bank" <no-reply@bank.evil.example>', 'Subject: verify your account'];
    await send(crlf([...lure, '', 'https://verify-77.evil.example/login', '']));
    // Another reporter redirects the same lure (Resent- fields of their own), twice by mistake.
    const redirected = crlf(['Resent-From: suzuki@example.co.jp', 'Resent-Message-ID: <redirect-1@example.co.jp>', ...lure, '', 'https://verify-77.evil.example/login', '']);
    await send(redirected);
    await send(redirected);
    // A different mail that reuses the id (another sender, other text): kept too, its URL extracted.
    await send(crlf(['Message-ID: <lure-77@bank.evil.example>', 'From: tanaka@example.jp', 'Subject: also this', '', 'and https://other-77.evil.example/', '']));
    const rows = (await sql<{ id: string; source_ref: string; sender: string }>`select id, source_ref, sender from report where source_ref like '<lure-77@bank.evil.example>%' order by created_at, id`.execute(h.database.db)).rows;
    expect(rows).toHaveLength(3);
    // The first keeps the Message-ID alone (replies find it by that); the others carry their variant.
    expect(rows.filter((r) => r.source_ref === '<lure-77@bank.evil.example>')).toHaveLength(1);
    const observed = await Promise.all(rows.map(async (r) => (await getReport(h.deps, h.actor, r.id)).observables.map((o) => o.value)));
    expect(observed.flat()).toEqual(expect.arrayContaining(['https://verify-77.evil.example/login', 'https://other-77.evil.example/']));
  });

  it('keeps a forwarded phishing mail whole as evidence and reads its headers and URLs', async () => {
    const inner = [
      'Received: from mx.evil.example (mx.evil.example [192.0.2.66]) by mail.example.jp',
      'From: "Bank" <security@bank-secure.evil.example>',
      'Subject: Verify your account',
      'Message-ID: <lure@evil.example>',
      '',
      'Click https://bank-verify.evil.example/login now',
    ].join('\r\n');
    const raw = crlf([
      'Message-ID: <fwd@example.jp>',
      'Subject: Fwd: Verify your account',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This came to our staff.',
      '--b1',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="lure.eml"',
      '',
      inner,
      '--b1',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="../../etc/passwd"',
      '',
      'root:x:0:0',
      '--b1--',
      '',
    ]);
    await send(raw);
    const view = await getReport(h.deps, h.actor, (await reportBySource('<fwd@example.jp>'))[0]!.id);
    expect(view.attachments.map((a) => [a.filename, a.kind])).toEqual([
      ['lure.eml', 'forwarded-message'],
      ['passwd', 'attachment'],
    ]);
    expect(view.attachments[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    // A forwarded mail of a few KB is kept in its evidence row (content up to 64 KiB), not a file.
    expect(h.deps.evidence.has(view.attachments[0]!.sha256)).toBe(false);
    expect((await storedBytes(h.deps, view.attachments[0]!.sha256)).toString()).toContain('Verify your account');
    expect(view.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['https://bank-verify.evil.example/login', '192.0.2.66']));
    const forwarded = (view.report.meta.mail as { forwarded: { subject: string; received: string[] }[] }).forwarded;
    expect(forwarded[0]).toMatchObject({ subject: 'Verify your account' });
    expect(forwarded[0]!.received[0]).toContain('192.0.2.66');
  });

  it('stores mail whose MIME is broken, saying so', async () => {
    const raw = crlf(['Message-ID: <broken@example.jp>', 'Subject: broken', 'Content-Type: multipart/mixed; boundary="never"', '', '--never', 'Content-Type: text/plain', '', 'evil at 203.0.113.41 and the boundary never closes', '']);
    expect((await send(raw)).response).toMatch(/^250/);
    const view = await getReport(h.deps, h.actor, (await reportBySource('<broken@example.jp>'))[0]!.id);
    expect(view.observables.map((o) => o.value)).toContain('203.0.113.41');
    expect((view.report.meta as { problems: string[] }).problems).toEqual([expect.stringMatching(/^a multipart body never closes \(boundary "never"\): the message may be cut short/)]);
  });

  it('threads a reply onto the incident of the mail it answers, by In-Reply-To or by the tracking tag', async () => {
    await send(crlf(['Message-ID: <thread-1@example.jp>', 'Subject: first', '', 'phishing at https://thread.evil.example/', '']));
    const first = (await reportBySource('<thread-1@example.jp>'))[0]!.id;
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [first], category: 'phishing' });
    await send(crlf(['Message-ID: <thread-2@example.jp>', 'In-Reply-To: <thread-1@example.jp>', 'Subject: Re: first', '', 'the site is still up', '']));
    await send(crlf(['Message-ID: <thread-3@example.jp>', `Subject: [${incident.number}] more`, '', 'another screenshot', '']));
    await send(crlf(['Message-ID: <thread-4@example.jp>', 'In-Reply-To: <nothing@example.jp>', 'Subject: unrelated', '', 'x', '']));
    const detail = await getIncident(h.deps, h.actor, incident.id);
    const ids = await Promise.all(['<thread-2@example.jp>', '<thread-3@example.jp>'].map(async (m) => (await reportBySource(m))[0]!.id));
    expect(detail.reports.map((r) => r.id).sort()).toEqual([first, ...ids].sort());
    const stray = await getReport(h.deps, h.actor, (await reportBySource('<thread-4@example.jp>'))[0]!.id);
    expect(stray.report.status).toBe('new');
    const notes = (await getTimeline(h.deps, h.actor, incident.id)).items.map((e) => e.note);
    expect(notes).toEqual(expect.arrayContaining(['threaded by In-Reply-To / References of an earlier report', `threaded by tracking tag ${incident.number}`]));
  });

  it('answers 550 for an unknown recipient and 552 for an oversized message', async () => {
    await expect(send(crlf(['Subject: x', '', 'x']), 'nobody@renkei.example')).rejects.toMatchObject({ responseCode: 550 });
    const big = await listen(h.deps, 2048);
    try {
      await expect(send(crlf(['Subject: big', '', 'x'.repeat(10_000)]), 'report@renkei.example', big)).rejects.toMatchObject({ responseCode: 552 });
    } finally {
      await closeListener(big);
    }
  });

  it('keeps no more of an oversized message than the limit while it comes in (answered 552 at its end)', async () => {
    const big = await listen(h.deps, 1024 * 1024);
    try {
      const socket = connect({ port: big.port, host: '127.0.0.1' });
      const replies = lines(socket);
      await replies.next('220');
      socket.write('EHLO test.example\r\nMAIL FROM:<a@example.jp>\r\nRCPT TO:<report@renkei.example>\r\nDATA\r\n');
      for (const code of ['250', '250', '250', '354']) await replies.next(code);
      // 96 MB, 64 KB at a time; the listener's memory for Buffers is sampled meanwhile (kept whole, the 96 MB would be
      // in it at once; let go, what is left is garbage not yet collected).
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      chunk.write('\r\n', chunk.length - 2);
      for (let i = 0; i < 1536; i++) if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      socket.write('\r\n.\r\n');
      expect(await replies.next('552')).toMatch(/^552 /);
      clearInterval(sampler);
      socket.destroy();
      expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await closeListener(big);
    }
  }, 60_000);

  it('refuses connections beyond the limit from one address with 421, and counts only those it let in', async () => {
    const limited = await listen(h.deps, 1024 * 1024, true, 2);
    const open = async () => {
      const socket = connect({ port: limited.port, host: '127.0.0.1' });
      const replies = lines(socket);
      return { socket, greeting: await replies.next(), replies };
    };
    try {
      const held = [await open(), await open()];
      expect(held.map((c) => c.greeting.slice(0, 3))).toEqual(['220', '220']);
      // Refused ones, each closed again: they must not free a place.
      for (let i = 0; i < 5; i++) {
        const refused = await open();
        expect(refused.greeting).toMatch(/^421 /);
        refused.socket.destroy();
        await new Promise((r) => setTimeout(r, 20));
      }
      const still = await open();
      expect(still.greeting).toMatch(/^421 /);
      still.socket.destroy();
      // One of the two leaves: one place is free again.
      held[0]!.socket.end('QUIT\r\n');
      await new Promise((r) => held[0]!.socket.once('close', r));
      await new Promise((r) => setTimeout(r, 20));
      const next = await open();
      expect(next.greeting).toMatch(/^220 /);
      next.socket.destroy();
      held[1]!.socket.destroy();
    } finally {
      await closeListener(limited);
    }
  });

  it('answers 451 when it cannot store, so the sender retries; nothing half-written remains', async () => {
    const unreachable = () => Promise.reject(new Error('database unreachable'));
    const broken: ServiceDeps = { ...h.deps, store: { ...h.deps.store, transaction: unreachable, transactionCommitted: unreachable } };
    const down = await listen(broken, 1024 * 1024, false);
    try {
      await expect(send(crlf(['Message-ID: <later@example.jp>', 'Subject: later', '', 'x']), 'report@renkei.example', down)).rejects.toMatchObject({ responseCode: 451 });
    } finally {
      await closeListener(down);
    }
    expect(await reportBySource('<later@example.jp>')).toEqual([]);
    expect(await main.spool.counts()).toMatchObject({ waiting: 0, held: 0 });
    // The sender retries once storage is back: stored exactly once.
    await send(crlf(['Message-ID: <later@example.jp>', 'Subject: later', '', 'x']), 'report@renkei.example');
    expect(await reportBySource('<later@example.jp>')).toHaveLength(1);
  });
});
