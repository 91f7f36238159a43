import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createContainer, type Container } from '../src/container.js';
import { seededRandom } from './lib.js';
import type { IncidentTable } from '../src/store/schema.js';
import { systemActor, type Actor } from '../src/domain/actor.js';
import { createAccount } from '../src/services/auth/account.service.js';
import { actorOf } from '../src/services/auth/session.service.js';

/** A benchmark database: a SQLite file in a temporary directory, or a fresh PostgreSQL database. */
export interface BenchDb {
  name: 'sqlite' | 'postgres';
  container: Container;
  /** The data directory (SQLite file, evidence) and, on PostgreSQL, the database URL. */
  dataDir: string;
  url: string | undefined;
  dispose(): Promise<void>;
}

/** Close a container that may already be closed (a benchmark may hand its database to a child process). */
const closeQuietly = async (c: Container) => {
  try {
    await c.close();
  } catch {
    // already closed
  }
};

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function openBenchDb(name: 'sqlite' | 'postgres'): Promise<BenchDb> {
  const settings = { incidentPrefix: 'RK', timeZone: 'Asia/Tokyo' };
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'renkei-bench-'));
    const container = await createContainer({ ...settings, dataDir: dir });
    return { name, container, dataDir: dir, url: undefined, dispose: async () => (await closeQuietly(container), rmSync(dir, { recursive: true, force: true })) };
  }
  const db = `renkei_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${db}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${db}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'renkei-bench-'));
  const container = await createContainer({ ...settings, dataDir, databaseUrl: url.toString() });
  return {
    name,
    container,
    dataDir,
    url: url.toString(),
    dispose: async () => {
      await closeQuietly(container);
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${db} with (force)`);
      await c.end();
    },
  };
}

/** The databases a benchmark runs on: SQLite always, PostgreSQL when reachable (DATABASE_URL or the local server). */
export async function benchDatabases(): Promise<('sqlite' | 'postgres')[]> {
  // BENCH_DATABASES=sqlite (or postgres) runs one of them only.
  const only = process.env.BENCH_DATABASES?.split(',').map((s) => s.trim());
  const all: ('sqlite' | 'postgres')[] = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
  return only ? all.filter((d) => only.includes(d)) : all;
}

const JA = [
  '本日、お客様から不審なメールを受信したとの連絡がありました。',
  'リンク先のページではログイン情報の入力を求められます。',
  'サーバのアクセスログを確認したところ、海外からの大量のアクセスが記録されていました。',
  '担当者に確認のうえ、対応をお願いいたします。',
  'ウェブサイトのトップページが書き換えられている模様です。',
  '添付ファイルを開いた端末で不審な通信が発生しています。',
  '該当ホストは現在ネットワークから切り離しています。',
  'サイトの表示が遅いという問い合わせも届いています。',
  '偽の請求書を装ったメールが社内に届きました。',
  '詳細は追ってご連絡します。よろしくお願いいたします。',
];
const EN = [
  'We observed repeated login attempts against our VPN gateway.',
  'The attached log shows the connections from the address below.',
  'Please take the necessary action and let us know the result.',
  'Our customers received messages that impersonate our brand.',
  'The host appears to be part of a botnet contacting its controller.',
  'Timestamps are in UTC unless noted otherwise.',
];

/** Deterministic report text: Japanese and English prose, log lines, URLs (some defanged), IPs, hashes. */
export function reportText(rand: () => number, i: number): { subject: string; body: string } {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const ip = () => `${11 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
  const host = () => `${pick(['login', 'secure', 'mail', 'www', 'cdn'])}-${Math.floor(rand() * 50000)}.${pick(['example.com', 'example.net', 'example.jp', 'test'])}`;
  const lines: string[] = [];
  for (let k = 0; k < 6; k++) lines.push(rand() < 0.6 ? pick(JA) : pick(EN));
  lines.push(`URL: ${rand() < 0.3 ? 'hxxps' : 'https'}://${host()}/${Math.floor(rand() * 1e6).toString(36)}/index.php`);
  for (let k = 0; k < 3; k++) lines.push(`${new Date(1_780_000_000_000 + i * 1000).toISOString()} src=${ip()} dst=${ip()} dport=${pick([22, 80, 443, 3389])}`);
  if (rand() < 0.3) lines.push(`sha256: ${randomHex(rand, 64)}`);
  return { subject: `${pick(['不審なメール', 'Phishing report', 'スキャンの報告', 'Web改ざん', 'Malware'])} #${i}`, body: lines.join('\n') };
}

export function randomHex(rand: () => number, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(rand() * 0xffffffff).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

export { seededRandom };

/** A lead of the team with a real account: benchmarks measure with the access policy applied, as users see it. */
export async function benchActor(container: Container): Promise<Actor> {
  const { account } = await createAccount(container.deps, systemActor('bench'), {
    email: `lead-${randomBytes(3).toString('hex')}@bench.example`,
    displayName: 'Bench lead',
    roles: ['lead', 'handler'],
    password: 'correct horse battery staple',
  });
  return actorOf(account, '127.0.0.1');
}

/** One incident row for bulk loading (benchmarks measure reads; this skips the use cases on purpose). */
export function incidentRow(id: string, k: number, at: string, extra: Partial<IncidentTable> = {}): IncidentTable {
  return {
    id,
    number: `RK-2026-${String(k + 1).padStart(6, '0')}`,
    title: `incident ${k}`,
    summary: null,
    category: 'phishing',
    severity: 'medium',
    priority: 'normal',
    tlp: 'AMBER',
    status: 'open',
    constituency: null,
    owner: null,
    occurred_at: null,
    detected_at: null,
    reported_at: null,
    vector: null,
    impact: null,
    affected_assets: null,
    threat_actor: null,
    motive: null,
    merged_into: null,
    created_at: at,
    created_by: 'bench',
    updated_at: at,
    resolved_at: null,
    closed_at: null,
    version: 1,
    decision_owner: null,
    decided_scope: null,
    exercise: 0,
    legal_hold: 0,
    brand_name: null,
    brand_sector: null,
    brand_origin: null,
    sla_due_at: null,
    ...extra,
  };
}

/** Insert incident rows in statements small enough for SQLite (at most 32,766 parameters; an incident row has 35 columns). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a transaction or the database, either typed as Kysely<DB>
export async function insertIncidentRows(db: { insertInto: (t: 'incident') => any }, rows: IncidentTable[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('incident').values(rows.slice(i, i + 500)).execute();
}

/**
 * Run a benchmark body on each database (SQLite, and PostgreSQL when
 * reachable), as a lead with a real account, disposing of the database after.
 */
export async function onEachDatabase<R>(fn: (db: BenchDb, actor: Actor, name: 'sqlite' | 'postgres') => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const name of await benchDatabases()) {
    const db = await openBenchDb(name);
    try {
      out.push(...(await fn(db, await benchActor(db.container), name)));
    } finally {
      await db.dispose();
    }
  }
  return out;
}
