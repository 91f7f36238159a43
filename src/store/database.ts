import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for the start-up message (never includes a password). */
  describe: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… → PostgreSQL; otherwise SQLite. */
  databaseUrl?: string;
  /** SQLite file location; `:memory:` for tests. */
  sqliteFile?: string;
  dataDir?: string;
  poolSize?: number;
}

export function openDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize) : openSqlite(options);
}

function openSqlite(options: DatabaseOptions): Database {
  let file = options.sqliteFile;
  if (!file) {
    const dir = resolve(options.dataDir ?? './data');
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'renkei.sqlite');
  }
  const sqlite = new SQLite(file);
  // WAL with synchronous=FULL: every commit is on disk before it returns (nothing acknowledged is lost).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: immediateTransactions(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    describe: `SQLite ${file}`,
    ping: async () => {
      try {
        sqlite.prepare('select 1').get();
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely begins SQLite transactions with a plain (deferred) BEGIN; a
 * transaction that reads and then writes can then fail at once with
 * SQLITE_BUSY_SNAPSHOT when another process (the CLI beside the server)
 * committed in between. BEGIN IMMEDIATE takes the write lock up front and
 * waits for it (busy_timeout) instead.
 */
function immediateTransactions(sqlite: SQLite.Database): SQLite.Database {
  const prepare = sqlite.prepare.bind(sqlite);
  // Kysely prepares every query anew; the same few hundred statements recur, so keep them (one connection, used in turn).
  const cache = new Map<string, SQLite.Statement>();
  const cached = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return (source: string) => cached(/^\s*begin\s*$/i.test(source) ? 'begin immediate' : source);
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    describe: `PostgreSQL ${safe.host}${safe.pathname}`,
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}
