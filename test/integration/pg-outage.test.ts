import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { createSmtpIntake } from '../../src/channels/smtp-intake.js';
import { systemActor } from '../../src/domain/actor.js';
import { MailSpool } from '../../src/services/mail-spool.service.js';
import { createContainer, type Container } from '../../src/container.js';
import { parseIntakeRoutes } from '../../src/domain/intake-route.js';
import { buildApp } from '../../src/http/app.js';

/**
 * PostgreSQL goes away during intake: senders hear 451 (try again), health
 * says 503, nothing acknowledged is lost (a mail spooled before the outage
 * is recorded after it), and intake resumes by itself when the database is
 * back. The test runs its own throwaway server (initdb +
 * pg_ctl on a free port) so the shared one stays up; it runs in the
 * PostgreSQL pass of the suite, where Debian's PostgreSQL binaries exist.
 */
const BIN = '/usr/lib/postgresql/15/bin';
const canRun = Boolean(process.env.DATABASE_URL) && existsSync(join(BIN, 'initdb'));
const asPostgres = (cmd: string, args: string[]) =>
  process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(BIN, cmd), args, { stdio: 'pipe' });

const dir = mkdtempSync(join(tmpdir(), 'renkei-pg-outage-'));
const data = join(dir, 'pgdata');
let port = 0;
let container: Container | undefined;
let server: SMTPServer | undefined;
let spool: MailSpool | undefined;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
const pgStart = () => asPostgres('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start']);
const pgStop = () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);

afterAll(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  await spool?.stop();
  await container?.close();
  try {
    pgStop();
  } catch {
    // already stopped
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('intake while PostgreSQL is down', () => {
  it('answers 451, reports 503 on /healthz, loses nothing, and resumes by itself', async () => {
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    port = await freePort();
    pgStart();
    const lost: string[] = [];
    container = await createContainer(
      { dataDir: dir, databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, incidentPrefix: 'RK', timeZone: 'Asia/Tokyo' },
      { onConnectionError: (err) => lost.push(err.message) },
    );
    const routes = parseIntakeRoutes('report@*');
    if (!routes.ok) throw new Error(routes.error);
    // Not draining yet: the first mail is still only spooled when the database goes.
    spool = new MailSpool(container.deps, systemActor('smtp'), { idlePollMs: 100 });
    server = createSmtpIntake({ spool, routes: routes.routes, maxBytes: 1_000_000, maxRecipients: 5, maxConnectionsPerAddress: 50 });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const smtpPort = (server.server.address() as AddressInfo).port;
    const app = await buildApp({ deps: container.deps, ping: () => container!.database.ping() });
    const send = (id: string) =>
      nodemailer
        .createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true })
        .sendMail({ envelope: { from: 'a@example.jp', to: ['report@renkei.example'] }, raw: `Message-ID: <${id}@example.jp>\r\nSubject: ${id}\r\n\r\nscan from 203.0.113.7\r\n` });

    expect((await send('before')).response).toMatch(/^250/);
    pgStop();
    // The drainer starts while the database is away: it waits for it, and loses nothing.
    spool.start();
    await expect(send('during')).rejects.toMatchObject({ responseCode: 451 });
    expect((await app.inject('/healthz')).statusCode).toBe(503);
    // The pool's idle connections were cut: heard (serve logs it), not thrown.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost[0]).toMatch(/terminat|connection/i);

    pgStart();
    // Like an MTA: try again until accepted.
    let accepted = false;
    for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
      try {
        accepted = /^250/.test((await send('during')).response);
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(accepted).toBe(true);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    // Both recorded by the drainer, however its attempts met the outage.
    for (let i = 0; i < 200 && (await spool.counts()).waiting > 0; i++) await new Promise((r) => setTimeout(r, 100));
    await spool.idle();
    expect(await spool.counts()).toMatchObject({ waiting: 0, held: 0 });
    const rows = await sql<{ source_ref: string }>`select source_ref from report order by source_ref`.execute(container.database.db);
    expect(rows.rows.map((r) => r.source_ref)).toEqual(['<before@example.jp>', '<during@example.jp>']);
    await app.close();
  }, 120_000);
});
