import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';

/** The `renkei` command end to end, on a fresh SQLite data directory (the CLI's own database choice is tested here, not PostgreSQL). */
const dir = mkdtempSync(join(tmpdir(), 'renkei-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, RENKEI_DATA_DIR: dir, DATABASE_URL: '', NO_COLOR: '1' };
const renkei = (...args: string[]) => spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { env, encoding: 'utf8', input: '' });

describe('renkei CLI', () => {
  it('migrates, adds a user, creates a token, imports and exports the directory, and verifies the audit log', () => {
    expect(renkei('migrate').stdout).toMatch(/migrations applied/);

    const add = renkei('user', 'add', '--email', 'ops@team.example', '--name', 'Ops', '--role', 'lead', 'handler');
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/password \(shown once\): \S{20,}/);

    const token = renkei('token', 'create', '--user', 'ops@team.example', '--scope', 'write', '--name', 'provisioning');
    expect(token.status).toBe(0);
    expect(token.stdout.trim()).toMatch(/^rk_[A-Za-z0-9_-]{40,}$/);

    const csv = join(dir, 'orgs.csv');
    writeFileSync(csv, 'organisation,kind,ip_ranges,contact_email\nCLI ISP,isp,198.51.100.0/24,abuse@cli-isp.example\nBroken,isp,not-a-range,abuse@broken.example\n');
    const imported = renkei('import', 'orgs', csv);
    expect(imported.status).toBe(1);
    expect(imported.stdout).toMatch(/1 organisations created/);
    expect(imported.stderr).toMatch(/row 3/);

    const out = join(dir, 'out.csv');
    expect(renkei('export', 'orgs', '-o', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('CLI ISP');

    const exportedAudit = renkei('audit', 'export');
    expect(exportedAudit.status).toBe(0);
    expect(exportedAudit.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { action: string }).action)).toContain('account.created');
    expect(renkei('export', 'incidents', '--as', 'ops@team.example').status).toBe(0);
    expect(renkei('export', 'incidents', '--as', 'nobody@team.example').stderr).toMatch(/no account/);

    const verify = renkei('audit', 'verify');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/audit log intact: \d+ events/);

    const db = new SQLite(join(dir, 'renkei.sqlite'));
    db.prepare("update audit_event set actor = 'someone else' where position = 2").run();
    db.close();
    const broken = renkei('audit', 'verify');
    expect(broken.status).toBe(3);
    expect(broken.stderr).toMatch(/BROKEN at position 2/);
  }, 120_000);

  it('shows the mail spool and its held mails with why, prints one, and releases one, then all', () => {
    expect(renkei('migrate').status).toBe(0);
    const hold = (db: SQLite.Database, id: string, at: string, attempts: number, reason: string | null, error: string) => {
      db.prepare('insert into mail_spool (id, received_at, envelope, route, size, attempts, next_attempt_at, last_error, held, held_reason) values (?, ?, ?, null, ?, ?, ?, ?, 1, ?)').run(
        id, at, JSON.stringify({ mailFrom: 'odd@example.jp', rcptTo: ['report@x'], remoteAddress: null }), 11, attempts, at, error, reason,
      );
      db.prepare('insert into mail_spool_raw (id, raw) values (?, ?)').run(id, Buffer.from('Subject: x\r\n'));
    };
    const db = new SQLite(join(dir, 'renkei.sqlite'));
    hold(db, 'spool-held-1', '2026-11-26T10:00:00.000Z', 1, 'refused', 'the report was refused: body: too long');
    db.close();
    const status = renkei('spool');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/0 waiting to be recorded, 1 held/);
    expect(status.stdout).toMatch(/held \(refused\) spool-held-1 .* from odd@example\.jp {2}— the report was refused: body: too long/);
    expect(renkei('spool', '--raw', 'spool-held-1').stdout).toBe('Subject: x\r\n');
    expect(renkei('spool', 'release', 'nothing').stderr).toMatch(/NOT_FOUND: no held mail nothing/);
    expect(renkei('spool', 'release', 'spool-held-1').stdout).toMatch(/released spool-held-1/);
    expect(renkei('spool').stdout).toMatch(/1 waiting to be recorded \(oldest received 2026-11-26T10:00:00.000Z\), 0 held/);

    const more = new SQLite(join(dir, 'renkei.sqlite'));
    hold(more, 'spool-held-2', '2026-11-26T11:00:00.000Z', 16, 'attempts', 'the reader fell over');
    hold(more, 'spool-held-3', '2026-11-26T12:00:00.000Z', 1, 'refused', 'the report was refused: subject: too long');
    more.close();
    expect(renkei('spool').stdout).toMatch(/held \(attempts\) spool-held-2 /);
    // One mail, or --all: neither and both are refused, and nothing is released.
    for (const args of [[], ['spool-held-2', '--all']]) {
      const res = renkei('spool', 'release', ...args);
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/name one held mail, or --all/);
    }
    expect(renkei('spool', 'release', '--all').stdout).toMatch(/released 2 held mails/);
    expect(renkei('spool').stdout).toMatch(/3 waiting to be recorded .*, 0 held/);
  }, 90_000);

  it('explains a bad value in the configuration and exits 1', () => {
    const res = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'migrate'], { env: { ...env, RENKEI_HTTP_PORT: 'eighty' }, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/RENKEI_HTTP_PORT/);
  });
});

