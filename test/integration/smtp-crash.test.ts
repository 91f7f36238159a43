import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import pg from 'pg';
import SQLite from 'better-sqlite3';

/**
 * Nothing acknowledged is lost: a client sends messages over SMTP, retrying
 * as a real MTA does, while the Renkei SMTP process is killed with SIGKILL at
 * random moments and restarted. Afterwards (once the last process has
 * recorded what the kills left in the spool) every message that got `250`
 * is stored exactly once. Short here (CI, both databases); `npm run test:crash`
 * runs the full 5,000 messages.
 */
const MESSAGES = Number(process.env.CRASH_MESSAGES ?? 500);
const KILL_EVERY_MS: [number, number] = [150, 500];
const adminUrl = process.env.DATABASE_URL;
const dataDir = mkdtempSync(join(tmpdir(), 'renkei-crash-'));
let dbName: string | undefined;
let databaseUrl = '';

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (adminUrl && dbName) {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`drop database if exists ${dbName} with (force)`);
    await c.end();
  }
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--role', 'smtp'], {
    // Mail is read in the main thread here (RENKEI_PARSE_WORKERS=0): durability does not depend on where mail is parsed, and
    // starting worker threads would add a second or more to each of the hundreds of restarts. The threads are tested in
    // smtp-intake.test.ts, the CI smoke test and the intake benchmark.
    env: { ...process.env, RENKEI_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, RENKEI_SMTP_PORT: String(port), RENKEI_LOG_LEVEL: 'warn', RENKEI_PARSE_WORKERS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('SMTP intake')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`the SMTP process exited (${code}) before listening:\n${out}`)));
  });
}

/** Rows of a query on the test's database (PostgreSQL or the process's SQLite file). */
async function rows<T>(text: string): Promise<T[]> {
  if (databaseUrl) {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      return (await c.query(text)).rows as T[];
    } finally {
      await c.end();
    }
  }
  const db = new SQLite(join(dataDir, 'renkei.sqlite'), { readonly: true });
  try {
    return db.prepare(text).all() as T[];
  } finally {
    db.close();
  }
}

const message = (i: number) =>
  Buffer.from(
    [`From: sender${i}@example.jp`, 'To: report@renkei.example', `Subject: crash test ${i}`, `Message-ID: <crash-${i}@example.jp>`, '', `scan from 203.0.113.${i % 250}`, ''].join('\r\n'),
  );

describe('SMTP intake under SIGKILL', () => {
  it(`keeps every acknowledged message exactly once (${MESSAGES} messages)`, async () => {
    if (adminUrl) {
      dbName = `renkei_crash_${randomBytes(4).toString('hex')}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`create database ${dbName}`);
      await c.end();
      const u = new URL(adminUrl);
      u.pathname = `/${dbName}`;
      databaseUrl = u.toString();
    }
    const port = await freePort();
    let child = await start(port);
    let kills = 0;
    let stopping = false;
    const killer = (async () => {
      while (!stopping) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS[0] + Math.random() * (KILL_EVERY_MS[1] - KILL_EVERY_MS[0])));
        if (stopping) break;
        child.kill('SIGKILL');
        kills++;
        await new Promise((r) => child.once('exit', r));
        child = await start(port);
      }
    })();

    const acked = new Set<number>();
    const transport = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000, socketTimeout: 5000 });
    for (let i = 0; i < MESSAGES; i++) {
      // Like an MTA: on any failure (connection refused or reset, 4xx), wait and send the same message again.
      // A real MTA retries for days; three minutes per message is enough for any restart here, even on a loaded machine.
      const deadline = Date.now() + 180_000;
      for (;;) {
        try {
          const info = await transport.sendMail({ envelope: { from: `sender${i}@example.jp`, to: ['report@renkei.example'] }, raw: message(i) });
          if (/^250/.test(info.response)) acked.add(i);
          break;
        } catch (err) {
          const code = (err as { responseCode?: number }).responseCode;
          if (code !== undefined && code >= 500) throw err;
          if (Date.now() > deadline) throw new Error(`message ${i} could not be delivered within three minutes: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    stopping = true;
    await killer;
    // `250` means spooled: the last process records what the spool still holds (left by the kills), then stops.
    let spooled = -1;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      spooled = Number((await rows<{ n: number | string }>('select count(*) as n from mail_spool'))[0]!.n);
      if (spooled === 0) break;
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    const counts = new Map<string, number>();
    for (const r of await rows<{ source_ref: string; n: number | string }>("select source_ref, count(*) as n from report where channel = 'email' group by source_ref"))
      counts.set(r.source_ref, Number(r.n));
    console.log(`crash test: ${MESSAGES} messages, ${acked.size} acknowledged, ${kills} kills`);
    expect(spooled, 'mails left in the spool').toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(acked.size).toBe(MESSAGES);
    const missing = [...acked].filter((i) => counts.get(`<crash-${i}@example.jp>`) !== 1);
    expect(missing, `acknowledged but not stored exactly once (of ${MESSAGES}, ${kills} kills)`).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 1_200_000);
});
